#!/usr/bin/env python3
"""ack=deferred (docs/PROTOCOL.md, "HELLO 2"), observed with raw clients:

- a pipelining member's ACK (and the QUEUE after it) is not written on its
  own at once: with nobody else sending it arrives on its own, no sooner than
  the server's bound (2 ms) and well within a second;
- flat out, two pipelining members that never wait for an ACK get every ACK,
  in order, each before their next GRANT, and ACKs ride in the same read as
  the next GRANT (the wake-up they save);
- a member that did not ask is acked as before; the field is checked
  strictly (watchers, another value, twice: BAD_FRAME);
- a pipelining member cut off while its ACK waits leaves the server and the
  other member unharmed, and on resume learns the send was committed."""
import time

import faultlib as fl


def lone_ack(args, ck):
    srv = fl.Server(args.server_bin, "--min-members", "1")
    a = fl.join(srv.port, "a", extra="ack=deferred")
    b = fl.join(srv.port, "b")
    turn = int(a.expect("GRANT ", 3).split()[1])
    t0 = time.monotonic()
    a.send(f"SEND {turn} one\n")
    ack = a.next(3)
    waited = time.monotonic() - t0
    ck.expect(ack == f"ACK {turn}", f"the ACK while b holds the baton: {ack!r}")
    ck.expect(waited >= 0.0015, f"a deferred ACK came after {waited * 1e3:.2f} ms, sooner than the bound")
    ck.expect(b.expect("GRANT ", 3).startswith(f"GRANT {turn + 1} "), "b was not granted the next turn")
    ck.info(f"while the other member holds the baton: ACK {waited * 1e3:.2f} ms after the SEND")
    # Alone in a ring, the sender's own next GRANT is urgent: the ACK rides with it.
    solo = fl.join(srv.port, "s", ring="solo", extra="ack=deferred")
    got = b""
    deadline = time.monotonic() + 3
    while b"GRANT " not in got and time.monotonic() < deadline:
        got += solo.peer.read_some(0.5)
    solo_turn = int(got.split(b"GRANT ")[1].split()[0])
    solo.peer.buf = b""
    solo.send(f"SEND {solo_turn} alone\n")
    chunk = b""
    while chunk.count(b"\n") < 2 and time.monotonic() < deadline + 3:
        chunk += solo.peer.read_some(0.5)
    ck.expect(chunk.startswith(f"ACK {solo_turn}\nGRANT {solo_turn + 1} ".encode()),
              f"alone: the ACK and the next GRANT came as {chunk!r}")
    plain = fl.join(srv.port, "p", ring="other")
    pt = int(plain.expect("GRANT ", 3).split()[1])
    plain.send(f"SEND {pt} x\n")
    ck.expect(plain.next(3) == f"ACK {pt}", "a member without ack=deferred is acked")
    for role, extra in (("watcher", "ack=deferred"), ("member", "ack=now"), ("member", "ack=deferred ack=deferred")):
        bad = fl.V2(srv.port, "bad", ring="bad", role=role, extra=extra)
        ck.expect(bad.welcome.startswith("ERROR BAD_FRAME"), f"{role} {extra}: {bad.welcome!r}")
    srv.stop()


def flat_out(args, ck):
    srv = fl.Server(args.server_bin)
    members = [fl.join(srv.port, n, extra="ack=deferred") for n in ("a", "b")]
    turns, want = 0, 200
    acks = {m.name: [] for m in members}
    sent = {m.name: [] for m in members}
    rode = 0
    deadline = time.monotonic() + 40
    while turns < want and time.monotonic() < deadline:
        for m in members:
            chunk = m.peer.read_some(0.01)
            if not chunk:
                continue
            lines = chunk.decode().split("\n")
            m.peer.buf = lines.pop().encode()  # an incomplete last line waits for the next read
            grant = None
            for line in lines:
                if line.startswith("ACK "):
                    acks[m.name].append(int(line.split()[1]))
                elif line.startswith("GRANT "):
                    grant = int(line.split()[1])
                    ck.expect(not sent[m.name] or acks[m.name][-1:] == sent[m.name][-1:],
                              f"{m.name}: GRANT {grant} before the ACK of {sent[m.name][-1:]}")
                    rode += 1 if any(x.startswith("ACK ") for x in lines) else 0
                elif line.startswith("PING "):
                    m.send("PONG " + line[5:] + "\n")
            if grant is not None and turns < want:
                m.send(f"SEND {grant} t{grant}\n")
                sent[m.name].append(grant)
                turns += 1
    time.sleep(0.05)
    for m in members:
        while (line := m.next(0.2)) is not None:
            if line.startswith("ACK "):
                acks[m.name].append(int(line.split()[1]))
        ck.expect(acks[m.name] == sent[m.name], f"{m.name}: sent {sent[m.name][:5]}…, acked {acks[m.name][:5]}…")
    ck.expect(turns == want, f"{turns} of {want} turns in 40 s")
    ck.expect(rode > 0, "no ACK ever came in the same read as the next GRANT")
    log = srv.log()
    ck.expect(all(f"{n} sent: t{t}".encode() in log for n, ts in sent.items() for t in ts), "a send missing from the log")
    ck.info(f"flat out: {turns} turns, {rode} GRANTs arrived with the previous ACK in the same read")
    srv.stop()


def cut_while_deferred(args, ck):
    srv = fl.Server(args.server_bin, "--resume-grace", "5s")
    a = fl.join(srv.port, "a", extra="ack=deferred")
    b = fl.join(srv.port, "b", extra="ack=deferred")
    turn = int(a.expect("GRANT ", 3).split()[1])
    a.send(f"SEND {turn} last\n")
    a.cut()  # before the deferred ACK could be written
    bt = int(b.expect("GRANT ", 3).split()[1])
    b.send(f"SEND {bt} fine\n")
    ck.expect(b.expect("ACK ", 3) == f"ACK {bt}", "the other member was not acked")
    back = fl.resume(srv.port, a, extra="ack=deferred")
    ck.expect(back.resumed, f"resume: {back.welcome!r}")
    ck.expect(back.last_turn == turn, f"RESUMED says last turn {back.last_turn}, the send was {turn}")
    ck.info(f"cut with ACK {turn} pending: resumed, last_turn {back.last_turn}")
    srv.stop()


def scenario(args, ck):
    for s in (lone_ack, flat_out, cut_while_deferred):
        ck.info(f"-- {s.__name__}")
        s(args, ck)


if __name__ == "__main__":
    fl.main(scenario, limit=80)
