#!/usr/bin/env python3
"""Security 3: quotas on a default install stop one peer from hurting others.

With the default flags, a stranger at 127.0.0.1 opens 1,000 connections as
fast as it can, then holds as many as it is let keep; it also tries 400
watchers and 300 members on one ring (from other addresses, so the
per-address bound is not what stops it). Meanwhile honest members at
127.0.0.2 join and take turns. Each refusal is `ERROR QUOTA <text naming the
flag>`; the honest members are never dropped; --max-rings is checked with a
small value."""
import re
import socket
import time

import faultlib as fl


_held = iter(range(1 << 30))


def open_raw(port, source, n, pace=0.0):
    """n connections from source, each joining a ring of its own as a watcher
    (so the server keeps them); returns (kept, refusal lines)."""
    kept, refusals = [], []
    for _ in range(n):
        try:
            p = fl.Peer(port, source=source, timeout=3)
            line = p.read_line(3)
            if line == b"BATON 1":
                p.send(f"HELLO 1 watcher held{next(_held)} w\n")
                line = p.read_line(3)
        except (OSError, fl.Closed) as e:
            refusals.append(repr(e).encode())
            continue
        if line is not None and line.startswith(b"WELCOME"):
            kept.append(p)
        else:
            refusals.append(line)
            p.close()
        if pace:
            time.sleep(pace)
    return kept, refusals


def join_many(port, role, ring, n, sources):
    """n HELLOs of role in ring, spread over source addresses; (welcomed peers, refusal lines)."""
    ok, no = [], []
    for i in range(n):
        p = fl.Peer(port, source=sources[i % len(sources)])
        p.read_line(3)
        p.send(f"HELLO 1 {role} {ring} {role[0]}{i}\n")
        line = p.read_line(3)
        while line is not None and not (line.startswith(b"WELCOME") or line.startswith(b"ERROR")):
            line = p.read_line(3)
        if line is not None and line.startswith(b"WELCOME"):
            ok.append(p)
        else:
            no.append(line)
            p.close()
    return ok, no


def scenario(args, ck):
    fl.raise_own_nofile(4096)
    srv = fl.Server(args.server_bin, default_quotas=True)

    # 1. A flood of new connections from one address: the rate limit answers.
    kept, refusals = open_raw(srv.port, "127.0.0.1", 1000)
    quota = [r for r in refusals if r and r.startswith(b"ERROR QUOTA")]
    ck.info(f"flood: {len(kept)} let in, {len(quota)} refused with QUOTA, {len(refusals) - len(quota)} otherwise")
    ck.expect(len(kept) <= 128, f"one address holds {len(kept)} connections (> --max-conns-per-addr 128)")
    ck.expect(len(quota) >= 800, f"only {len(quota)} of 1,000 flooding connections got QUOTA")
    ck.expect(any(b"--conn-rate-per-addr" in r for r in quota), f"the rate refusal doesn't name its flag: {quota[:1]}")

    # 2. Held connections: at the rate limit's pace, one address keeps at most 128.
    time.sleep(2.5)  # the bucket refills
    more, refusals = open_raw(srv.port, "127.0.0.1", 200, pace=0.03)
    kept += more
    ck.info(f"paced: one address holds {len(kept)} connections")
    ck.expect(len(kept) <= 128, f"one address holds {len(kept)} connections")
    ck.expect(any(r and b"--max-conns-per-addr" in r for r in refusals),
              f"no refusal names --max-conns-per-addr: {refusals[:2]}")
    ck.expect(re.search(rb"127\.0\.0\.1:\d+ refused: at most .* \(and \d+ more refusals in the last second\)", srv.log()),
              "the flood's refusals are not logged with the address and counted")

    # 3. Honest members from another address still get in and take turns.
    members = [fl.Member(srv.port, n, ring="work", source="127.0.0.2") for n in ("alice", "bob")]
    for m in members:
        m.start()
    ck.expect(fl.wait_turns(members, 100, 5), "honest members at 127.0.0.2 made no turns while 127.0.0.1 is full")
    for p in kept:
        p.close()

    # 4. Watchers and members per ring, from many addresses.
    sources = [f"127.0.1.{i}" for i in range(1, 21)]
    watchers, no = join_many(srv.port, "watcher", "work", 300, sources)
    ck.info(f"watchers on one ring: {len(watchers)} let in, {len(no)} refused")
    ck.expect(len(watchers) == 256, f"{len(watchers)} watchers let into one ring (--max-watchers-per-ring 256)")
    ck.expect(all(n and n.startswith(b"ERROR QUOTA") and b"--max-watchers-per-ring" in n for n in no),
              f"watcher refusals: {no[:2]}")
    before = fl.grant_count(members)
    ck.expect(fl.wait_turns(members, before // 2 + 100, 5), "the ring stalled under 256 watchers")
    for p in watchers:
        p.close()
    crowd, no = join_many(srv.port, "member", "crowd", 300, sources)
    ck.info(f"members of one ring: {len(crowd)} let in, {len(no)} refused")
    ck.expect(len(crowd) == 256, f"{len(crowd)} members let into one ring (--max-members-per-ring 256)")
    ck.expect(all(n and n.startswith(b"ERROR QUOTA") and b"--max-members-per-ring" in n for n in no),
              f"member refusals: {no[:2]}")
    quota = srv.metric("baton_errors_sent_total", code="QUOTA")
    closed = srv.metric("baton_connections_closed_total", reason="quota")
    ck.expect(quota is not None and quota >= len(no) + 44, f"baton_errors_sent_total{{code=QUOTA}} is {quota}")
    ck.expect(closed is not None and closed >= len(no) + 44, f"baton_connections_closed_total{{reason=quota}} is {closed}")
    for p in crowd:
        p.close()
    fl.finish(ck, members, srv)  # drains the server first: its last log lines are then on disk

    # 5. --max-rings (a small value, to try it).
    srv2 = fl.Server(args.server_bin, "--max-rings", "10", default_quotas=True)
    rings, no = [], []
    for i in range(12):
        ok, n = join_many(srv2.port, "watcher", f"r{i}", 1, sources)
        rings += ok
        no += n
    ck.expect(len(rings) == 10 and len(no) == 2 and all(b"--max-rings" in n for n in no),
              f"--max-rings 10: {len(rings)} rings, refusals {no}")
    for p in rings[:5]:
        p.close()
    time.sleep(0.3)
    ok, n = join_many(srv2.port, "watcher", "again", 1, sources)
    ck.expect(len(ok) == 1, f"a ring freed by its last watcher was not reusable: {n}")
    for p in rings[5:] + ok:
        p.close()


if __name__ == "__main__":
    fl.main(scenario, limit=80)
