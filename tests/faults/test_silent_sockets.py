#!/usr/bin/env python3
"""Scenario 3: a connection that says nothing must cost the ring nothing.

A silent socket is not a ring member and holds no turn (at most it gets one
`GO` probe). With two flat-out members and one silent socket the ring must
do >= 200 turns in 4 s, with the default --turn-timeout (30 s) and with
--turn-timeout 0 (where a silent holder would block the ring for ever); then
1,000 silent connections arrive while two members run, and the ring must keep
moving throughout (no 1 s window without turns)."""
import time

import faultlib as fl


def silent_then_members(args, ck, *flags):
    srv = fl.Server(args.server_bin, *flags)
    silent = fl.Peer(srv.port)      # first in, so it would be first in line if it were a member
    time.sleep(0.5)                 # past --legacy-after
    members = fl.start_members(srv.port, ["alice", "bob"])
    t0 = time.monotonic()
    time.sleep(4.0)
    n = fl.grant_count(members)
    ck.expect(n >= 200, f"{' '.join(flags) or 'default flags'}: only {n} turns in 4 s with one silent socket "
                        f"(longest pause {fl.max_gap(members, t0, time.monotonic()):.1f} s)")
    ck.info(f"{' '.join(flags) or 'default flags'}: {n} turns in 4 s")
    fl.stop_all(members)
    silent.close()
    rc = srv.stop()
    fl.check_honest(ck, members, srv)
    ck.expect(rc == 0, f"server did not exit 0 on SIGTERM: {rc}")


def thousand_silent(args, ck):
    fl.raise_own_nofile(4096)
    srv = fl.Server(args.server_bin, "--turn-timeout", "1s")
    members = fl.start_members(srv.port, ["alice", "bob"])
    fl.wait_turns(members, 20, 3)
    t0 = time.monotonic()
    peers = []
    for i in range(1000):
        try:
            peers.append(fl.Peer(srv.port))
        except OSError as e:
            ck.expect(False, f"connection {i} failed: {e}")
            break
    time.sleep(3.0)                  # every one of them is past --legacy-after now
    t1 = time.monotonic()
    gap = fl.max_gap(members, t0, t1)
    n = sum(1 for m in members for _, t in m.grants if t0 <= t <= t1)
    ck.info(f"1000 silent connections: {n} turns in {t1 - t0:.1f} s, longest pause {gap:.2f} s")
    ck.expect(gap < 1.0, f"the ring stood still for {gap:.1f} s while 1000 silent connections were open")
    ck.expect(n >= 200, f"only {n} turns in {t1 - t0:.1f} s with 1000 silent connections")
    for p in peers:
        p.close()
    fl.finish(ck, members, srv)


def scenario(args, ck):
    silent_then_members(args, ck)
    silent_then_members(args, ck, "--turn-timeout", "0")
    thousand_silent(args, ck)


if __name__ == "__main__":
    fl.main(scenario, limit=40)
