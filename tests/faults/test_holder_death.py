#!/usr/bin/env python3
"""Scenario 17: the holder dies or freezes.

(a) kill -9 of a member process while it holds the baton: the ring moves at
    once (< 0.5 s: the kernel closes its socket), and its turn number is
    never granted to anyone else.
(b) SIGSTOP of a holder with --turn-timeout 1s: revoked within the turn
    timeout, the ring moves, and keeps moving (>= 100 honest turns in the 2 s
    after; a frozen member is not granted again every round)."""
import signal
import time

import faultlib as fl


def kill9(args, ck):
    srv = fl.Server(args.server_bin)
    members = fl.start_members(srv.port, ["alice", "bob"])
    holder = fl.spawn_holder(srv.port, "victim")
    turn, t_hold = fl.read_hold(holder, 5)
    ck.expect(turn is not None, f"the holder child never held the baton: {t_hold!r}")
    if turn is None:
        return
    holder.kill()
    t_kill = time.monotonic()
    ok = fl.wait_turns(members, 1, 3)
    first = min((t for m in members for n, t in m.grants if t >= t_kill), default=None)
    took = first - t_kill if first else None
    ck.info(f"kill -9 of the holder of turn {turn}: ring moved after {took if took is None else round(took, 3)} s")
    ck.expect(ok and took is not None and took < 0.5, f"ring did not move within 0.5 s of kill -9 of the holder ({took})")
    fl.wait_turns(members, 50, 2)
    reused = [(m.name, n) for m in members for n, _ in m.grants if n == turn]
    ck.expect(not reused, f"the dead holder's turn {turn} was granted again: {reused}")
    later = [n for m in members for n, t in m.grants if t >= t_kill]
    ck.expect(all(n > turn for n in later), f"turn numbers after the kill are not all above {turn}: {sorted(later)[:3]}")
    fl.finish(ck, members, srv)


def sigstop(args, ck):
    srv = fl.Server(args.server_bin, "--turn-timeout", "1s")
    members = fl.start_members(srv.port, ["alice", "bob"])
    holder = fl.spawn_holder(srv.port, "frozen")
    turn, t_hold = fl.read_hold(holder, 5)
    ck.expect(turn is not None, f"the holder child never held the baton: {t_hold!r}")
    if turn is None:
        return
    holder.send_signal(signal.SIGSTOP)
    t_stop = time.monotonic()
    fl.wait_turns(members, 1, 4)
    first = min((t for m in members for n, t in m.grants if t >= t_stop), default=None)
    took = first - t_hold if first else None
    ck.info(f"SIGSTOP of the holder of turn {turn}: ring moved {took if took is None else round(took, 2)} s after its grant")
    ck.expect(took is not None and took <= 1.6, f"ring did not move within ~1 s turn timeout of the freeze ({took})")
    if first:
        time.sleep(2.0)
        n = sum(1 for m in members for _, t in m.grants if first <= t <= first + 2.0)
        ck.expect(n >= 100, f"only {n} honest turns in the 2 s after the revoke (the frozen member keeps being granted?)")
    reused = [(m.name, n) for m in members for n, _ in m.grants if n == turn]
    ck.expect(not reused, f"the frozen holder's turn {turn} was granted again: {reused}")
    holder.send_signal(signal.SIGCONT)
    holder.kill()
    fl.finish(ck, members, srv)


def scenario(args, ck):
    kill9(args, ck)
    sigstop(args, ck)


if __name__ == "__main__":
    fl.main(scenario, limit=30)
