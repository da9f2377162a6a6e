#!/usr/bin/env python3
"""Scenario: a stranger cycles through 20,000 ring names, taking one turn in
each and leaving. Empty rings are deleted, so the server's memory does not
grow with the names it has seen (it grew ~1 KB per name when rings were kept
for ever), an idle server then costs no CPU however many rings it had, and a
ring of a name seen before starts above the numbers it granted."""
import threading
import time

import faultlib as fl

NAMES = 20000
THREADS = 4


def churn(port, first, step, out):
    for i in range(first, NAMES, step):
        p = fl.Peer(port)
        fl.v1_hello(p, "member", f"r{i}", "s")
        line = p.read_line(3)
        while line is not None and not line.startswith(b"GRANT "):
            line = p.read_line(3)
        turn = int(line.split()[1])
        p.send(f"SEND {turn} x\nBYE\n")
        while line is not None and line != b"BYE":
            line = p.read_line(3)
        p.close()
        if i < THREADS:
            out[i] = turn


def scenario(args, ck):
    srv = fl.Server(args.server_bin, "--min-members", "1", "--no-turn-log", "--turn-numbers", "counter")
    time.sleep(0.2)
    rss0 = srv.rss_kb()
    first_turns = {}
    threads = [threading.Thread(target=churn, args=(srv.port, k, THREADS, first_turns)) for k in range(THREADS)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    took = time.monotonic() - t0
    time.sleep(0.3)
    rss1 = srv.rss_kb()
    cpu0 = srv.cpu_seconds()
    time.sleep(2.0)
    idle = (srv.cpu_seconds() - cpu0) / 2.0
    grown = rss1 - rss0
    ck.info(f"{NAMES} ring names in {took:.1f} s; RSS {rss0} KB -> {rss1} KB ({grown * 1024 / NAMES:.0f} B per name); "
            f"idle CPU after: {idle * 100:.1f}% of a core")
    ck.expect(all(not t.is_alive() for t in threads), "the churn did not finish")
    if fl.SANITIZED:
        ck.info("sanitized build: RSS and CPU are the sanitizer's; not checked")
    else:
        ck.expect(grown < 6 * 1024, f"RSS grew {grown} KB over {NAMES} ring names that are all empty now")
        ck.expect(idle < 0.03, f"idle server used {idle * 100:.1f}% of a core after the churn")
    # r0 again: its one turn was 1; a new ring of that name starts above every
    # number this shard granted (it cannot know which were r0's).
    p = fl.Peer(srv.port)
    fl.v1_hello(p, "member", "r0", "again")
    line = p.read_line(3)
    while line is not None and not line.startswith(b"GRANT "):
        line = p.read_line(3)
    again = int(line.split()[1]) if line else 0
    ck.info(f"ring r0: turn {first_turns.get(0)} before it was deleted, {again} after")
    ck.expect(again > first_turns.get(0, 0), f"ring r0 granted turn {again} again after being deleted")
    p.close()
    ck.expect(srv.stop() == 0, "server did not exit 0 on SIGTERM")


if __name__ == "__main__":
    fl.main(scenario, limit=80)
