#!/usr/bin/env python3
"""Scenario 19: 200 watchers that never read must not hurt the ring or grow
the server's memory. --max-queued 65536; each watcher has a small receive
buffer, says HELLO and never reads; two members send 3 KB payloads flat out.
The members are never dropped and keep moving; the watchers get dropped
(their connections end); the server's RSS stays below 100 MB."""
import socket
import time

import faultlib as fl


def scenario(args, ck):
    fl.raise_own_nofile(4096)
    srv = fl.Server(args.server_bin, "--max-queued", "65536")
    time.sleep(0.1)
    base = srv.fd_count()
    watchers = []
    for i in range(200):
        p = fl.Peer(srv.port, rcvbuf=2048)
        p.send(f"HELLO 1 watcher default w{i}\n")   # and never read anything
        watchers.append(p)
    members = fl.start_members(srv.port, ["alice", "bob"], payload=lambda t: f"{t:06d}" + "x" * 3000)
    t0 = time.monotonic()
    peak = 0
    counts = []
    while time.monotonic() - t0 < 5.0:
        time.sleep(0.25)
        peak = max(peak, srv.rss_kb())
        counts.append(fl.grant_count(members))
    stalls = sum(1 for a, b in zip(counts, counts[4:]) if b == a)   # 1 s windows without a turn
    ck.info(f"{counts[-1]} turns in 5 s, peak RSS {peak / 1024:.0f} MB, 1 s windows without turns: {stalls}")
    ck.expect(counts[-1] >= 300, f"only {counts[-1]} turns in 5 s with 200 non-reading watchers")
    ck.expect(stalls == 0, f"the ring stood still for a second {stalls} times")
    if fl.SANITIZED:
        ck.info("sanitized build: its RSS is the sanitizer's (shadow memory, quarantine); not checked")
    else:
        ck.expect(peak < 100 * 1024, f"server RSS reached {peak / 1024:.0f} MB")
    # A dropped watcher's descriptor is closed by the server (the data it had
    # queued may still sit in kernel buffers, so its stream need not end yet).
    fds = srv.fd_count()
    ended = max(0, base + 200 - fds)
    ck.info(f"server descriptors: {base} before the watchers, {fds} now: about {ended} of 200 watchers dropped")
    ck.expect(ended >= 150, f"only about {ended} of 200 non-reading watchers were dropped "
                            f"(server holds {fds} descriptors, {base} before they came)")
    slow = srv.metric("baton_connections_closed_total", reason="slow_consumer")
    ck.expect(slow is not None and slow >= ended - 5,
              f"baton_connections_closed_total{{reason=slow_consumer}} is {slow}, about {ended} were dropped")
    for p in watchers:
        p.close()
    fl.finish(ck, members, srv)


if __name__ == "__main__":
    fl.main(scenario, limit=30)
