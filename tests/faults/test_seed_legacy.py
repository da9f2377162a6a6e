#!/usr/bin/env python3
"""Scenario 4a/b: the seed's client loop (recv; if == "GO": send NAME:N; N += 2)
against baton-server: the log must show its numbers in order, alternating
exactly with the other member, none lost or doubled.

A silent connection gets ONE `GO` probe after --legacy-after (300 ms), even
before its ring can start; its answer makes it a legacy member at the back,
and that first message is committed (logged) at its first turn without a
second GO. So Client1 connecting alone must be probed; Client1 then Client2
(--min-members 2) must give 1, 2, 3, 4, ... in the log; Client1 with a v1
member must alternate with it."""
import re
import time

import faultlib as fl


def sent_lines(srv):
    return [(m.group(1).decode(), m.group(2).decode())
            for m in re.finditer(rb"^(\S+) sent: (.*)$", srv.log(), re.M)]


def two_seed_clients(args, ck):
    srv = fl.Server(args.server_bin, "--min-members", "2")
    c1 = fl.SeedClient(srv.port, "Client1", 1)
    c1.start()
    probed = c1.first_go.wait(2.0)
    ck.expect(probed, "Client1, alone on the server, got no GO probe within 2 s "
                      "(the probe must not wait for the ring to have --min-members)")
    time.sleep(0.2)                  # its answer is in: it is first in line
    c2 = fl.SeedClient(srv.port, "Client2", 2)
    c2.start()
    time.sleep(2.5)
    # Stop the server first: a seed client closing with a GO unread resets its
    # connection, which can discard its last answer and leave a hole that is
    # ours, not the server's.
    rc = srv.stop()
    c1.stop()
    c2.stop()
    lines = sent_lines(srv)
    ck.info(f"two seed clients: {len(lines)} turns logged: {lines[:6]}...")
    ck.expect(len(lines) >= 20, f"only {len(lines)} turns logged in 2.5 s")
    nums = [int(p) if p.isdigit() else p for _, p in lines]
    ck.expect(nums == list(range(1, len(nums) + 1)), f"log is not 1, 2, 3, ...: {nums[:12]}")
    names = [n for n, _ in lines]
    ck.expect(all(n == ("Client1" if i % 2 == 0 else "Client2") for i, n in enumerate(names)),
              f"not alternating Client1, Client2, ...: {names[:8]}")
    for c in (c1, c2):
        logged = [int(p) for n, p in lines if n == c.name]
        ck.expect(logged in (c.sent, c.sent[:-1]),
                  f"{c.name}: sent {c.sent[:8]}... but the log has {logged[:8]}... (lost or doubled)")
        ck.expect(len(c.gos) in (len(logged), len(logged) + 1),
                  f"{c.name}: {len(c.gos)} GOs for {len(logged)} committed messages (one GO per turn)")
    ck.expect(rc == 0, f"server did not exit 0 on SIGTERM: {rc}")


def seed_and_v1(args, ck):
    srv = fl.Server(args.server_bin, "--min-members", "2")
    c1 = fl.SeedClient(srv.port, "Client1", 1)
    c1.start()
    c1.first_go.wait(2.0)
    time.sleep(0.2)
    alice, = fl.start_members(srv.port, ["alice"])
    time.sleep(2.0)
    alice.stop()
    rc = srv.stop()
    c1.stop()
    lines = sent_lines(srv)
    ck.info(f"seed client + v1 member: {len(lines)} turns logged: {lines[:4]}...")
    ck.expect(len(lines) >= 20, f"only {len(lines)} turns logged in 2 s")
    names = [n for n, _ in lines]
    while names and names[-1] == "Client1":   # alice leaving first lets Client1 go alone: ours
        names.pop()
    ck.expect(all(a != b for a, b in zip(names, names[1:])), f"Client1 and alice do not alternate: {names[:10]}")
    ck.expect(names[:1] == ["Client1"], f"Client1 joined first but the log starts {names[:2]}")
    c1_nums = [int(p) for n, p in lines if n == "Client1"]
    ck.expect(c1_nums == list(range(1, 2 * len(c1_nums), 2)), f"Client1's numbers: {c1_nums[:8]}")
    fl.check_honest(ck, [alice], srv)
    ck.expect(rc == 0, f"server did not exit 0 on SIGTERM: {rc}")


def scenario(args, ck):
    two_seed_clients(args, ck)
    seed_and_v1(args, ck)


if __name__ == "__main__":
    fl.main(scenario, limit=30)
