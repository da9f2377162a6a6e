#!/usr/bin/env python3
"""Scenario 1: connections the server refuses must not cost honest members anything.

Two v1 members take turns flat out in ring default. Meanwhile strangers open
50 connections that end in HELLO_TIMEOUT (a partial "HEL" and then nothing),
50 silent 400 ms probes (connect, wait, close: long enough for a legacy probe,
never answered), and 30 that send a garbage line, read the ERROR and close at
once, during the server's error linger. The honest members must not be
dropped, must see strictly increasing turn numbers, and the ring must still
move afterwards."""
import threading
import time

import faultlib as fl


def hello_timeout(port, out):
    try:
        p = fl.Peer(port)
        p.send(b"HEL")               # starts a line, never finishes it
        out.append(p.expect_close(3.0))
        p.close()
    except OSError as e:
        out.append(e)


def silent_probe(port, out):
    try:
        p = fl.Peer(port)
        time.sleep(0.4)              # past --legacy-after (300 ms): a probe may come; never answer
        p.close()
        out.append(True)
    except OSError as e:
        out.append(e)


def close_in_linger(port, out):
    try:
        p = fl.Peer(port)
        p.read_line(2.0)             # greeting
        p.send(b"garbage line\n")
        out.append(p.read_line(2.0))  # ERROR ...
        p.close()                    # at once, while the server lingers
    except (OSError, fl.Closed) as e:
        out.append(e)


def wave(fn, port, n, batch=10):
    out = []
    for i in range(0, n, batch):
        ts = [threading.Thread(target=fn, args=(port, out)) for _ in range(min(batch, n - i))]
        for t in ts:
            t.start()
        for t in ts:
            t.join(5)
    return out


def scenario(args, ck):
    srv = fl.Server(args.server_bin, "--hello-timeout", "500ms")
    members = fl.start_members(srv.port, ["alice", "bob"])
    ck.expect(fl.wait_turns(members, 50, 5), "the ring did not start")
    t0 = time.monotonic()
    waves = [wave(hello_timeout, srv.port, 50), wave(silent_probe, srv.port, 50),
             wave(close_in_linger, srv.port, 30)]
    ck.info(f"strangers done in {time.monotonic() - t0:.1f} s; "
            f"HELLO_TIMEOUT peers closed after {[round(x, 2) for x in waves[0] if isinstance(x, float)][:5]}...")
    ck.info(f"linger peers saw: {sorted(set(repr(x)[:40] for x in waves[2]))[:4]}")
    before = fl.grant_count(members)
    moved = fl.wait_turns(members, 100, 3)
    ck.expect(moved, f"ring not moving afterwards: {fl.grant_count(members) - before} turns in 3 s")
    fl.stop_all(members)
    rc = srv.stop()
    fl.check_honest(ck, members, srv)
    ck.info(f"turns: alice {len(members[0].grants)}, bob {len(members[1].grants)}")
    ck.expect(rc == 0, f"server did not exit 0 on SIGTERM: {rc}")


if __name__ == "__main__":
    fl.main(scenario, limit=30)
