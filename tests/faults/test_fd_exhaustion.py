#!/usr/bin/env python3
"""Scenario 11: out of descriptors, the server refuses politely and stays cheap.

The server runs with RLIMIT_NOFILE 64 (set in the child before exec) and
--max-clients 1000, which it cannot honour. It must warn about that at start.
80 connections arrive: each must get the greeting or `ERROR SERVER_FULL`
(none may hang without a word), and so must one more after them. Its "accept
failed" warnings must be bounded (about one per second), and while a
connection waits in a backlog (the admin port's too, when known) it must not
busy-loop: under 20% of a core over 2 s."""
import re
import time

import faultlib as fl


def first_words(p, timeout):
    try:
        return p.read_line(timeout)
    except fl.Closed as e:
        return f"closed ({e})".encode()


def scenario(args, ck):
    if fl.SANITIZED:
        # UBSan checks a vptr by probing memory through a pipe(): with no
        # descriptor left that probe fails and every virtual call is reported
        # as "invalid vptr" (reproduced with a 10-line program).
        raise fl.Skip("sanitizers need free descriptors themselves; run against the release build")
    srv = fl.Server(args.server_bin, "--max-clients", "1000", nofile=64)
    t_start = time.monotonic()
    start_log = srv.log()
    ck.expect(re.search(rb"(?i)warn[^\n]*(descriptor|nofile|open[- ]file|rlimit|max-clients)", start_log),
              "no warning at start that the descriptor limit (64) cannot fit --max-clients 1000: "
              f"{start_log.decode(errors='replace').strip()[:300]!r}")
    peers = [fl.Peer(srv.port) for _ in range(80)]
    extra = fl.Peer(srv.port)
    admin = fl.Peer(srv.admin_port) if srv.admin_port else None
    time.sleep(0.2)
    cpu0, w0 = srv.cpu_seconds(), time.monotonic()
    time.sleep(2.0)
    cpu = (srv.cpu_seconds() - cpu0) / (time.monotonic() - w0)
    ck.info(f"server CPU with connections pending: {cpu * 100:.0f}% of a core"
            f"{'' if admin else ' (admin port unknown: only the client port pending)'}")
    ck.expect(cpu < 0.20, f"server busy while out of descriptors: {cpu * 100:.0f}% of a core over 2 s")
    words = [first_words(p, 0.05) for p in peers]   # they have had over 2 s already
    kinds = {}
    for w in words:
        k = "greeting" if w == b"BATON 1" else "SERVER_FULL" if w and w.startswith(b"ERROR SERVER_FULL") else repr(w)[:40]
        kinds[k] = kinds.get(k, 0) + 1
    ck.info(f"what the 80 got: {kinds}")
    ck.expect(set(kinds) <= {"greeting", "SERVER_FULL"}, f"some of the 80 connections got neither the greeting "
                                                          f"nor SERVER_FULL: {kinds}")
    w = first_words(extra, 0.5)
    ck.expect(w is not None and w.startswith(b"ERROR SERVER_FULL"), f"the 81st connection got {w!r}, "
                                                                      "expected ERROR SERVER_FULL")
    elapsed = time.monotonic() - t_start
    warns = len(re.findall(rb"(?i)accept", srv.log()))
    ck.info(f"{warns} accept warnings in {elapsed:.1f} s")
    ck.expect(warns <= elapsed + 3, f"{warns} `accept` warnings in {elapsed:.1f} s (at most about one per second)")
    for p in peers + [extra] + ([admin] if admin else []):
        p.close()
    ck.expect(srv.alive(), f"server died: {srv.proc.returncode}")
    rc = srv.stop()
    ck.expect(rc == 0, f"server did not exit 0 on SIGTERM: {rc}")


if __name__ == "__main__":
    fl.main(scenario, limit=30)
