#!/usr/bin/env python3
"""Scenario 15: after an ERROR the server half-closes, discards input until the
peer closes, and closes for good after at most 2 s: long enough for the peer
to read the error (not 0.2 s), short enough not to hold descriptors.

  - ERROR BAD_FRAME after a valid HELLO; the peer keeps the socket open and
    even keeps writing: the server's full close (our byte answered by RST)
    comes after 1.5-3 s;
  - the same for a handshake ERROR HELLO_TIMEOUT (--hello-timeout 500ms,
    a started line `HEL` never finished);
  - 30 peers that close at once after their ERROR do no harm: a new client
    is greeted and two members keep turning."""
import threading
import time

import faultlib as fl


def linger_after(ck, label, peer, expect_code):
    line = peer.read_line(3)
    ck.expect(line is not None and line.startswith(b"ERROR " + expect_code),
              f"{label}: expected ERROR {expect_code.decode()}, got {line!r}")
    took = peer.wait_full_close(4.0)
    ck.info(f"{label}: server closed for good {took if took is None else round(took, 2)} s after the ERROR")
    ck.expect(took is not None and 1.5 <= took <= 3.0,
              f"{label}: server closed {('after %.2f s' % took) if took is not None else 'not within 4 s'}; "
              "expected 1.5-3 s after the ERROR")


def scenario(args, ck):
    srv = fl.Server(args.server_bin, "--hello-timeout", "500ms")
    results = []

    def bad_frame():
        p = fl.Peer(srv.port)
        fl.v1_hello(p, "watcher", "lr", "lingerer")
        p.send(b"NOT A VERB\n")
        linger_after(ck, "BAD_FRAME after HELLO", p, b"BAD_FRAME")
        p.close()

    def hello_timeout():
        p = fl.Peer(srv.port)
        ck.expect(p.read_line(2) == b"BATON 1", "no greeting")
        p.send(b"HEL")
        linger_after(ck, "handshake HELLO_TIMEOUT", p, b"HELLO_TIMEOUT")
        p.close()

    ts = [threading.Thread(target=bad_frame), threading.Thread(target=hello_timeout)]
    for t in ts:
        t.start()
    members = fl.start_members(srv.port, ["alice", "bob"])
    for _ in range(30):              # ERROR, then gone at once
        p = fl.Peer(srv.port)
        p.read_line(2)
        p.send(b"garbage\n")
        results.append(p.read_line(2))
        p.close()
    for t in ts:
        t.join(10)
    ck.expect(all(r and r.startswith(b"ERROR BAD_FRAME") for r in results), f"quick closers saw {set(results)}")
    ck.expect(fl.wait_turns(members, 100, 3), "the ring is not moving after the quick closers")
    p = fl.Peer(srv.port)
    ck.expect(p.read_line(2) == b"BATON 1", "no greeting after the quick closers")
    p.close()
    fl.finish(ck, members, srv)


if __name__ == "__main__":
    fl.main(scenario, limit=30)
