#!/usr/bin/env python3
"""PASS, lock rings and watchers that resume (docs/PROTOCOL.md, "Sessions,
pass and lock rings"), observed with raw clients:

- PASS: fenced like SEND (a stale PASS is STALE_TURN), acked, logged as a
  pass, relayed to HELLO 2 watchers as PASSED and to HELLO 1 watchers not at
  all; nothing is logged as sent;
- a lock ring with 50 members acquiring in random order: grants go in the
  order the requests arrived, never two holders at once, turn numbers
  increase; a waiter whose connection dies is skipped at once (the grant goes
  past it without waiting for any timeout); ACQUIRE in a rotation ring is
  WRONG_MODE, and so is joining with the other mode;
- a watcher that reconnects with after=<turn> gets exactly the sends after
  it, in order, and GAP when the backlog no longer reaches back."""
import random
import time

import faultlib as fl


def passes(args, ck):
    srv = fl.Server(args.server_bin)
    w2 = fl.V2(srv.port, "w2", role="watcher")
    w1 = fl.Peer(srv.port)
    fl.v1_hello(w1, "watcher", "default", "w1")
    a, b = fl.join(srv.port, "a"), fl.join(srv.port, "b")
    g = a.expect("GRANT ", 3).split()
    turn = int(g[1])
    a.send(f"PASS {turn}\n")
    ck.expect(a.expect("ACK ", 3) == f"ACK {turn}", "PASS not acked")
    ck.expect(w2.expect("PASSED ", 3) == f"PASSED {turn} a", "the HELLO 2 watcher did not see PASSED")
    g2 = b.expect("GRANT ", 3).split()
    b.send(f"SEND {g2[1]} real\n")
    ck.expect(b.expect("ACK ", 3) == f"ACK {g2[1]}", "SEND after a pass not acked")
    first = w1.read_line(3)
    ck.expect(first == f"EVENT {g2[1]} b real".encode(), f"the HELLO 1 watcher's first line is {first!r} (a PASSED?)")
    log = srv.log()
    ck.expect(f"a passed turn {turn} of ring default".encode() in log, "the pass is not in the log")
    ck.expect(b"a sent:" not in log, "a pass was logged as a send")
    # A stale PASS is refused like a stale SEND.
    g3 = a.expect("GRANT ", 3).split()
    a.send(f"PASS {turn}\n")
    err = a.close_error(3)
    ck.expect(err is not None and err.startswith("ERROR STALE_TURN"), f"a stale PASS got {err!r}")
    ck.info(f"pass: turn {turn} passed, {g2[1]} sent, stale pass refused while {g3[1]} was current")
    srv.stop()


def lock_ring(args, ck):
    srv = fl.Server(args.server_bin, "--turn-timeout", "30s")  # a wait for the dead waiter would show
    n = 50
    members = [fl.join(srv.port, f"m{i:02d}", ring="locks", extra="mode=lock") for i in range(n)]
    other = fl.V2(srv.port, "rot", ring="locks", extra="mode=rotation")
    ck.expect(other.welcome.startswith("ERROR WRONG_MODE"), f"joining a lock ring as rotation: {other.welcome!r}")
    rot = fl.join(srv.port, "r", ring="plain")
    rot.send("ACQUIRE\n")
    err = rot.close_error(3)
    ck.expect(err is not None and err.startswith("ERROR WRONG_MODE"), f"ACQUIRE in a rotation ring: {err!r}")
    order = members[:]
    random.Random(7).shuffle(order)
    # The dead waiter: the 5th to ask, cut once it is queued.
    dead = order[4]
    for m in order:
        m.send("ACQUIRE\n")
        time.sleep(0.005)  # requests arrive in this order (one connection each)
    granted, turns = [], []
    holder = None
    deadline = time.monotonic() + 20
    cut_done = False
    while len(granted) < n - 1 and time.monotonic() < deadline:
        for m in order:
            if m is dead and cut_done:
                continue
            line = m.next(0.002)
            if line and line.startswith("GRANT "):
                ck.expect(holder is None, f"{m.name} granted while {holder and holder.name} holds the lock")
                holder = m
                granted.append(m.name)
                turns.append(int(line.split()[1]))
        if not cut_done and len(granted) >= 1:
            dead.cut()  # queued, not holding: removed from the queue at once
            cut_done = True
        if holder is not None:
            t = turns[-1]
            holder.send(f"RELEASE {t}\n" if len(granted) % 2 else f"SEND {t} wrote-{t}\n")
            ack = holder.expect("ACK ", 3)
            ck.expect(ack == f"ACK {t}", f"{holder.name}: {ack!r}")
            holder = None
    want = [m.name for m in order if m is not dead]
    ck.expect(granted == want, f"lock grants out of request order:\n got  {granted[:12]}...\n want {want[:12]}...")
    ck.expect(all(x < y for x, y in zip(turns, turns[1:])), "lock turn numbers do not increase")
    ck.expect(dead.name not in granted, "the dead waiter was granted")
    ck.info(f"lock ring: {len(granted)} grants in request order, dead waiter {dead.name} skipped")
    srv.stop()


def watcher_resume(args, ck):
    srv = fl.Server(args.server_bin, "--watch-backlog", "8")
    w = fl.V2(srv.port, "w", role="watcher")
    a, b = fl.join(srv.port, "a"), fl.join(srv.port, "b")
    sent = []
    who = {a.name: a, b.name: b}
    for i in range(20):
        for m in (a, b):
            line = m.next(0.01)
            if line and line.startswith("GRANT "):
                t = int(line.split()[1])
                m.send(f"SEND {t} p{t}\n")
                sent.append(t)
        if len(sent) >= 12:
            break
    while len(sent) < 12:
        for m in who.values():
            line = m.next(0.05)
            if line and line.startswith("GRANT "):
                t = int(line.split()[1])
                m.send(f"SEND {t} p{t}\n")
                sent.append(t)
    seen = []
    while len(seen) < 12:
        line = w.expect("EVENT ", 3)
        seen.append(int(line.split()[1]))
    ck.expect(seen == sent[:12], f"watcher saw {seen}, sent {sent[:12]}")
    # Reconnect after the 9th: the backlog (8) still holds 10..12 and more.
    w.cut()
    w2 = fl.V2(srv.port, "w", role="watcher", extra=f"after={seen[8]}")
    replay = [int(w2.expect("EVENT ", 3).split()[1]) for _ in range(3)]
    ck.expect(replay == seen[9:12], f"replay after {seen[8]}: {replay}, want {seen[9:12]}")
    # Far behind: a GAP first, then the oldest held.
    w3 = fl.V2(srv.port, "w3", role="watcher", extra=f"after={seen[0]}")
    gap = w3.expect("GAP ", 3).split()
    ck.expect(int(gap[1]) == seen[0] and int(gap[2]) > seen[1], f"GAP line {gap}")
    first = int(w3.expect("EVENT ", 3).split()[1])
    ck.expect(first == int(gap[2]), f"replay after GAP starts at {first}, GAP said {gap[2]}")
    ck.info(f"watcher resume: replayed {replay}; far behind: {' '.join(gap)} then {first}")
    srv.stop()


def scenario(args, ck):
    for s in (passes, lock_ring, watcher_resume):
        ck.info(f"-- {s.__name__}")
        s(args, ck)


if __name__ == "__main__":
    fl.main(scenario, limit=80)
