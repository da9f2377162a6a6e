#!/usr/bin/env python3
"""Scenario 4c/d: a seed-like client that answered once and then went silent
holds a GO it never answers. With --turn-timeout 1s the ring spends at most
about one turn timeout on it and its connection is closed; with
--turn-timeout 0 --idle-timeout 1s it is dropped after about 1 s. The two
honest v1 members meanwhile are never dropped and move on."""
import time

import faultlib as fl


def run(args, ck, label, flags, bound):
    srv = fl.Server(args.server_bin, *flags)
    members = fl.start_members(srv.port, ["alice", "bob"])
    fl.wait_turns(members, 20, 3)
    mute = fl.SeedClient(srv.port, "Client1", 1, answers=1)  # answers one GO, then holds the next
    t0 = time.monotonic()
    mute.start()
    time.sleep(4.5)
    t1 = time.monotonic()
    gaps = []
    times = sorted(t for m in members for _, t in m.grants if t0 <= t <= t1)
    for a, b in zip([t0] + times, times + [t1]):
        if b - a > 0.3:
            gaps.append(round(b - a, 2))
    ck.info(f"{label}: GOs to the mute client {len(mute.gos)}, pauses > 0.3 s: {gaps}, "
            f"closed {'%.2f s after its last GO' % (mute.closed_at - mute.gos[-1]) if mute.closed_at and mute.gos else mute.closed_at}")
    ck.expect(sum(gaps) <= bound + 0.5, f"{label}: the ring stood still {sum(gaps):.1f} s in all ({gaps}); "
                                        f"at most about one timeout ({bound} s) allowed")
    ck.expect(mute.closed_at is not None, f"{label}: the silent legacy holder's connection was not closed")
    if mute.closed_at and mute.gos:
        ck.expect(mute.closed_at - mute.gos[-1] <= bound + 1.0,
                  f"{label}: closed {mute.closed_at - mute.gos[-1]:.1f} s after its unanswered GO")
    ck.expect(len(mute.gos) <= 2, f"{label}: the silent holder got {len(mute.gos)} GOs (at most probe + one turn)")
    ck.expect(fl.wait_turns(members, 50, 2), f"{label}: the ring is not moving at the end")
    mute.stop()
    fl.stop_all(members)
    rc = srv.stop()
    fl.check_honest(ck, members, srv)
    ck.expect(rc == 0, f"{label}: server did not exit 0 on SIGTERM: {rc}")


def scenario(args, ck):
    run(args, ck, "turn-timeout 1s", ["--turn-timeout", "1s"], 1.0)
    run(args, ck, "turn-timeout 0, idle-timeout 1s", ["--turn-timeout", "0", "--idle-timeout", "1s"], 1.0)


if __name__ == "__main__":
    fl.main(scenario, limit=30)
