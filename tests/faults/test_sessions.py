#!/usr/bin/env python3
"""Sessions (docs/PROTOCOL.md, "Resuming a seat"), observed byte by byte
with raw HELLO 2 clients whose connections we cut ourselves:

- cut while waiting: the seat keeps its place (QUEUE on resume);
- cut while holding: the turn is resumed with what is left of its timeout,
  and the send made after the resume is the turn's one and only;
- cut right after SEND, before its ACK is read: RESUMED names that turn as
  the last accepted one, nothing is sent twice, the log has it once;
- a resume after the grace gets a new seat at the back (SESSION, not RESUMED),
  whose last_turn still says whether the last send was committed;
- a wrong secret is AUTH_FAILED and counted as a failed credential;
- a half-open old connection is replaced (SESSION_REPLACED);
- a HELLO 1 client sees none of the new lines;
- turn numbers stay strictly increasing and unique throughout."""
import time

import faultlib as fl


def pair(srv, a="alice", b="bob"):
    x, y = fl.join(srv.port, a), fl.join(srv.port, b)
    lines = {x.name: [], y.name: []}
    return x, y, lines


def holder_of(members, timeout=5):
    """Which member gets the next GRANT: (member, turn, timeout_ms)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for m in members:
            line = m.next(0.05)
            if line and line.startswith("GRANT "):
                f = line.split()
                return m, int(f[1]), int(f[2])
    return None, None, None


def cut_after_send(args, ck):
    srv = fl.Server(args.server_bin, "--resume-grace", "3s")
    a, b, _ = pair(srv)
    h, turn, _ = holder_of([a, b])
    ck.expect(h is not None, "no first grant")
    if h is None:
        return
    other = b if h is a else a
    h.send(f"SEND {turn} payload-{turn}\n")
    h.cut()  # the ACK, if it was written, is never read
    other_grant = other.expect("GRANT ", 5).split()
    r = fl.resume(srv.port, h)
    ck.expect(r.resumed, f"cut after SEND: no RESUMED on resume: {r.welcome!r}")
    ck.expect(r.last_turn == turn, f"cut after SEND: RESUMED names last turn {r.last_turn}, the send was for {turn}")
    nxt = r.expect("QUEUE ", 3)
    ck.info(f"cut after SEND {turn}: resumed with last_turn {r.last_turn}, then {nxt}; the other holds {other_grant[1]}")
    ck.expect(int(other_grant[1]) > turn, "the next grant is not above the sent turn")
    srv.wait_log(rf"{h.name} sent: payload-{turn}".encode(), 3)
    n = srv.log().count(f"{h.name} sent: payload-{turn}\n".encode())
    ck.expect(n == 1, f"the send of turn {turn} is in the log {n} times")
    ck.expect(srv.metric("baton_seats_resumed_total") == 1, "baton_seats_resumed_total is not 1 after one resume")
    srv.stop()


def cut_while_holding(args, ck):
    srv = fl.Server(args.server_bin, "--resume-grace", "3s", "--turn-timeout", "4s")
    a, b, _ = pair(srv)
    h, turn, timeout_ms = holder_of([a, b])
    if not ck.expect(h is not None, "no first grant"):
        return
    other = b if h is a else a
    h.cut()
    time.sleep(0.5)
    t0 = time.monotonic()
    r = fl.resume(srv.port, h)
    took = time.monotonic() - t0
    ck.expect(r.resumed, "cut while holding: no RESUMED")
    ck.info(f"resume: connect to RESUMED in {took * 1000:.1f} ms (greeting, HELLO 2, WELCOME, RESUMED)")
    g = r.expect("GRANT ", 3).split()
    left = int(g[2])
    ck.info(f"cut while holding turn {turn} (timeout {timeout_ms} ms): resumed with GRANT {g[1]} {left}")
    ck.expect(int(g[1]) == turn, f"resumed holder granted {g[1]}, it held {turn}")
    ck.expect(0 < left <= timeout_ms - 400, f"the resumed turn has {left} ms left: more than its deadline allows")
    r.send(f"SEND {turn} after-resume\n")
    ck.expect(r.expect("ACK ", 3) == f"ACK {turn}", "no ACK for the resumed turn's send")
    nxt = other.expect("GRANT ", 3).split()
    ck.expect(int(nxt[1]) > turn, "next grant not above the resumed turn")
    srv.stop()


def cut_while_waiting(args, ck):
    srv = fl.Server(args.server_bin, "--resume-grace", "3s", "--min-members", "3")
    a, b, c = fl.join(srv.port, "a"), fl.join(srv.port, "b"), fl.join(srv.port, "c")
    h, turn, _ = holder_of([a, b, c])
    if not ck.expect(h is not None, "no first grant"):
        return
    # Positions: after the holder, the other two in join order.
    waiting = [m for m in (a, b, c) if m is not h]
    last = waiting[-1]
    last.cut()
    r = fl.resume(srv.port, last)
    ck.expect(r.resumed and r.last_turn == 0, f"cut while waiting: {r.resumed} last_turn {r.last_turn}")
    q = r.expect("QUEUE ", 3)
    ck.expect(q == "QUEUE 2", f"the resumed waiter is at {q!r}, it was second in the queue")
    # The ring turns: the holder sends, the first waiter holds, then the resumed one.
    h.send(f"SEND {turn} x\n")
    g1 = waiting[0].expect("GRANT ", 3).split()
    waiting[0].send(f"SEND {g1[1]} y\n")
    g2 = r.expect("GRANT ", 3).split()
    ck.expect(int(g2[1]) > int(g1[1]) > turn, f"turns out of order: {turn}, {g1[1]}, {g2[1]}")
    srv.stop()


def after_grace(args, ck):
    srv = fl.Server(args.server_bin, "--resume-grace", "500ms")
    a, b, _ = pair(srv)
    h, turn, _ = holder_of([a, b])
    if not ck.expect(h is not None, "no first grant"):
        return
    h.send(f"SEND {turn} late-one\n")
    h.cut()
    other = b if h is a else a
    other.expect("GRANT ", 3)
    t0 = time.monotonic()
    srv.wait_log(rf"{h.name} left ring default: its seat was not resumed".encode(), 3)
    ck.info(f"a seat cut off left the ring {time.monotonic() - t0 + 0.0:.2f} s after its grace began")
    r = fl.resume(srv.port, h)
    ck.expect(not r.resumed and r.session != h.session, "a resume after the grace got the old seat back")
    ck.expect(r.last_turn == turn, f"the new seat's SESSION says last_turn {r.last_turn}, the last send was {turn}")
    ck.expect(srv.metric("baton_seats_expired_total") == 1 and srv.metric("baton_seats_detached") == 0,
              "the expired seat is not counted (baton_seats_expired_total, baton_seats_detached)")
    srv.stop()


def wrong_secret(args, ck):
    srv = fl.Server(args.server_bin, "--resume-grace", "3s")
    a, b, _ = pair(srv)
    a.cut()
    forged = fl.V2(srv.port, a.name, extra=f"resume={a.session}:{'0' * 32}")
    ck.expect(forged.welcome is not None and forged.welcome.startswith("ERROR AUTH_FAILED"),
              f"a wrong session secret got {forged.welcome!r}")
    ck.expect(forged.peer.expect_close(3) is not None, "the forger was not closed")
    wrong_name = fl.V2(srv.port, "mallory", extra=f"resume={a.session}:{a.secret}")
    ck.expect(wrong_name.welcome is not None and wrong_name.welcome.startswith("ERROR AUTH_FAILED"),
              f"a session under another name got {wrong_name.welcome!r}")
    r = fl.resume(srv.port, a)  # the real owner still gets it back (after the failed-credential delay)
    ck.expect(r.resumed, "the owner could not resume after a forgery attempt")
    srv.stop()


def half_open(args, ck):
    srv = fl.Server(args.server_bin, "--resume-grace", "3s")
    a, b, _ = pair(srv)
    r = fl.resume(srv.port, a)  # a's first connection is still open
    ck.expect(r.resumed, "resume while the old connection is open: not resumed")
    err = a.close_error(3)
    ck.expect(err is not None and err.startswith("ERROR SESSION_REPLACED"), f"the old connection got {err!r}")
    srv.stop()


def hello1_unchanged(args, ck):
    srv = fl.Server(args.server_bin)
    p = fl.Peer(srv.port)
    fl.v1_hello(p, "member", "default", "old")
    first = p.read_line(2)
    ck.expect(first == b"QUEUE 1", f"a HELLO 1 member got {first!r} after WELCOME (no SESSION line for it)")
    srv.stop()


def scenario(args, ck):
    for s in (cut_after_send, cut_while_holding, cut_while_waiting, after_grace, wrong_secret, half_open,
              hello1_unchanged):
        ck.info(f"-- {s.__name__}")
        s(args, ck)


if __name__ == "__main__":
    fl.main(scenario, limit=80)
