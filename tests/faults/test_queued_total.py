#!/usr/bin/env python3
"""Scenario: 300 watchers that never read, 3 KB payloads flowing, and each
watcher under its own --max-queued (1 MiB: together 300 MiB). The server-wide
--max-queued-total (16 MiB here) holds: the watchers with the most unsent
output are dropped first, the log says why, the members keep moving, and the
server's RSS stays near the bound (not 300 MiB)."""
import time

import faultlib as fl


def scenario(args, ck):
    fl.raise_own_nofile(4096)
    srv = fl.Server(args.server_bin, "--max-queued-total", str(16 << 20))
    time.sleep(0.1)
    base_rss = srv.rss_kb()
    watchers = []
    for i in range(300):
        p = fl.Peer(srv.port, rcvbuf=2048)
        p.send(f"HELLO 1 watcher default w{i}\n")   # and never read anything
        watchers.append(p)
    members = fl.start_members(srv.port, ["alice", "bob"], payload=lambda t: f"{t:06d}" + "x" * 3000)
    t0 = time.monotonic()
    peak = 0
    counts = []
    while time.monotonic() - t0 < 6.0:
        time.sleep(0.25)
        peak = max(peak, srv.rss_kb())
        counts.append(fl.grant_count(members))
    log = srv.log().decode(errors="replace")
    dropped = log.count("over --max-queued-total")
    stalls = sum(1 for a, b in zip(counts, counts[4:]) if b == a)
    ck.info(f"{counts[-1]} turns in 6 s; RSS {base_rss / 1024:.0f} MB at start, peak {peak / 1024:.0f} MB; "
            f"{dropped} watchers dropped for the total bound")
    ck.expect(dropped >= 1, "no watcher was dropped for --max-queued-total")
    ck.expect(counts[-1] >= 300, f"only {counts[-1]} turns in 6 s")
    ck.expect(stalls == 0, f"the ring stood still for a second {stalls} times")
    if fl.SANITIZED:
        ck.info("sanitized build: its RSS is the sanitizer's; not checked")
    else:
        # The bound is on unsent bytes; allocator slack and the members' own
        # buffers come on top. 300 MiB would be the per-client bound alone.
        ck.expect(peak - base_rss < 48 * 1024, f"server RSS grew by {(peak - base_rss) / 1024:.0f} MB")
    for p in watchers:
        p.close()
    fl.finish(ck, members, srv)


if __name__ == "__main__":
    fl.main(scenario, limit=40)
