#!/usr/bin/env python3
"""Observability 1: the admin port against strangers and careless viewers.

A server with an --auth-file runs ring pay (two members flat out, a payload
per turn) and ring other. On its admin port strangers try: garbage and
oversized requests, a slowloris that never finishes its request, more
connections than --max-admin-connections, more /events streams than
--max-admin-streams, an SSE viewer that never reads, wrong tokens (401, and
slowed down like wrong tokens on the client port), a token for another ring,
path tricks in ring names, bad paging parameters. The honest members never
notice (their turns keep coming); payloads are shown only with a watcher
token for that ring; /metrics keeps answering; the slow viewer is dropped and
counted; no token reaches the log."""
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request

import faultlib as fl

PAYLOAD = "secret-payload"


def hash_token(server_bin, token):
    r = subprocess.run([server_bin, "--hash-token"], input=token.encode(), capture_output=True, timeout=10)
    return r.stdout.decode().strip()


def new_token(server_bin):
    return subprocess.run([server_bin, "--new-token"], capture_output=True, timeout=10).stdout.decode().strip()


def get(port, path, token=None, timeout=8):
    """(status, body bytes, headers)."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def raw(port, data, timeout=5):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def metric(port, name):
    status, body, _ = get(port, "/metrics")
    for line in body.decode().splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return None


def scenario(args, ck):
    tmp = fl.mkdtemp("baton-admin-")
    member_tok, watcher_tok, other_tok = (new_token(args.server_bin) for _ in range(3))
    auth = f"{tmp}/auth"
    with open(auth, "w") as f:
        f.write(f"{hash_token(args.server_bin, member_tok)} member pay,other members\n")
        f.write(f"{hash_token(args.server_bin, watcher_tok)} watcher pay dashboard\n")
        f.write(f"{hash_token(args.server_bin, other_tok)} watcher other other-dash\n")
    srv = fl.Server(args.server_bin, "--auth-file", auth, "--max-admin-connections", "24",
                    "--max-admin-streams", "4", "--auth-fail-delay", "200ms")
    ap = srv.admin_port
    members = fl.start_members(srv.port, ["alice", "bob"], ring="pay", token=member_tok,
                               payload=lambda turn: f"{PAYLOAD}-{turn}")
    ck.expect(fl.wait_turns(members, 50, 10), "members did not start taking turns")

    # Payloads: watcher-level data.
    st, body, _ = get(ap, "/rings/pay")
    ring = json.loads(body)
    ck.expect(st == 200 and ring["payloads"] is False, f"no token: payloads shown ({st})")
    ck.expect(all(e.get("payload") is None for e in ring["events"]), "no token: a payload leaked")
    ck.expect(PAYLOAD.encode() not in body, "no token: the payload bytes are in the answer")
    ck.expect([m["name"] for m in ring["members"]] and {m["name"] for m in ring["members"]} == {"alice", "bob"},
              f"members not shown: {ring['members']}")
    st, body, _ = get(ap, "/rings/pay", token=watcher_tok)
    ck.expect(st == 200 and json.loads(body)["payloads"] is True and PAYLOAD.encode() in body,
              "a watcher token for pay does not see its payloads")
    st, body, _ = get(ap, "/rings/pay", token=other_tok)
    ck.expect(st == 200 and PAYLOAD.encode() not in body, "a watcher token for another ring sees pay's payloads")
    st, body, _ = get(ap, "/rings/pay", token=member_tok)
    ck.expect(st == 200 and PAYLOAD.encode() not in body, "a member-only token sees payloads")

    # Wrong tokens: 401, and the address is slowed down like on the client port.
    t0 = time.monotonic()
    st, body, hdr = get(ap, "/rings/pay", token="not-a-token-" + "x" * 20)
    ck.expect(st == 401, f"an unknown token got {st}, not 401")
    for _ in range(3):
        get(ap, "/status", token="wrong")
    t1 = time.monotonic()
    st, _, _ = get(ap, "/rings/pay", token=watcher_tok)
    took = time.monotonic() - t1
    ck.expect(st == 200, "the right token after wrong ones was refused")
    ck.expect(took >= 0.5, f"after 4 wrong tokens the next verdict took only {took:.2f} s (no failed-token delay)")
    ck.info(f"verdict after 4 wrong tokens: {took:.2f} s")

    # Bad requests: clear errors, never a crash.
    for path, want in [("/rings?limit=0", 400), ("/rings?limit=100000", 400), ("/rings?after=a%20b", 400),
                       ("/rings/..%2F..%2Fetc", 400), ("/rings/" + "a" * 65, 400), ("/status?x=1", 400),
                       ("/rings/nosuch", 404), ("/nope", 404), ("/events?after=3", 400)]:
        st, body, _ = get(ap, path)
        ck.expect(st == want, f"{path}: {st}, expected {want}")
        if st >= 400:
            ck.expect(b'"error"' in body, f"{path}: no JSON error in {body[:80]!r}")
    ck.expect(raw(ap, b"\x00\xff garbage\r\n\r\n") == b"", "garbage got an answer")
    huge = b"GET /status HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n"
    ck.expect(not raw(ap, huge).startswith(b"HTTP/1.1 200"), "a 20 KB header was served")
    post = raw(ap, b"POST /status HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
    ck.expect(post.startswith(b"HTTP/1.1 405"), f"POST: {post[:40]!r}")

    # Slowloris and a connection flood: bounded, then 503, and scrapes work again after.
    hogs = []
    for _ in range(40):
        s = socket.create_connection(("127.0.0.1", ap), timeout=5)
        s.sendall(b"GET /status HTTP/1.1\r\n")  # never finished
        hogs.append(s)
    time.sleep(0.3)
    busy = raw(ap, b"GET /status HTTP/1.1\r\n\r\n")
    ck.expect(busy.startswith(b"HTTP/1.1 503"), f"over --max-admin-connections: {busy[:40]!r}")
    ck.expect(fl.wait_turns(members, 50, 5), "the members stalled while the admin port was flooded")
    for s in hogs:
        s.close()
    time.sleep(0.3)
    st, _, _ = get(ap, "/metrics")
    ck.expect(st == 200, f"/metrics after the flood: {st}")

    # Streams: bounded; a viewer that never reads is dropped and counted.
    streams = []
    for _ in range(4):
        s = socket.create_connection(("127.0.0.1", ap), timeout=5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b"GET /events?ring=pay HTTP/1.1\r\nAuthorization: Bearer " + watcher_tok.encode() + b"\r\n\r\n")
        streams.append(s)
    end = time.monotonic() + 10  # each waits out the failed-token delay first
    while time.monotonic() < end and (metric(ap, "baton_admin_streams") or 0) < 4:
        time.sleep(0.1)
    fifth = raw(ap, b"GET /events HTTP/1.1\r\n\r\n", timeout=3)
    ck.expect(fifth.startswith(b"HTTP/1.1 503"), f"a fifth stream over --max-admin-streams 4: {fifth[:40]!r}")
    dropped_before = metric(ap, "baton_admin_streams_dropped_total") or 0
    # Flat-out turns with payloads: each stream owes about 50 KB/s.
    end = time.monotonic() + 20
    while time.monotonic() < end and (metric(ap, "baton_admin_streams_dropped_total") or 0) < dropped_before + 4:
        time.sleep(0.5)
    dropped = (metric(ap, "baton_admin_streams_dropped_total") or 0) - dropped_before
    ck.expect(dropped >= 4, f"viewers that never read were not dropped ({dropped} of 4)")
    ck.expect((metric(ap, "baton_admin_streams") or 0) == 0, "dropped streams still counted as open")
    for s in streams:
        s.close()
    ck.expect(fl.wait_turns(members, 50, 5), "the members stalled while viewers were slow")

    # A stream that reads works: it sees a turn with its payload, and resumes after a turn number.
    s = socket.create_connection(("127.0.0.1", ap), timeout=5)
    s.sendall(b"GET /events?ring=pay HTTP/1.1\r\nAuthorization: Bearer " + watcher_tok.encode() + b"\r\n\r\n")
    data = b""
    end = time.monotonic() + 5
    while time.monotonic() < end and b"event: turn" not in data:
        data += s.recv(65536)
    s.close()
    ck.expect(b"text/event-stream" in data and b"event: turn" in data and PAYLOAD.encode() in data,
              f"a reading viewer got no turn events: {data[:200]!r}")

    rss = metric(ap, "process_resident_memory_bytes")
    ck.info(f"server RSS after the attacks: {rss / 1e6:.1f} MB")
    if fl.SANITIZED:
        ck.info("sanitized build: its RSS is the sanitizer's (shadow memory, quarantine); not checked")
    else:
        ck.expect(rss is not None and rss < 100e6, f"server RSS {rss} after the attacks")
    log = srv.log()
    for tok in (member_tok, watcher_tok, other_tok):
        ck.expect(tok.encode() not in log, "a token reached the log")
    ck.expect(b"admin port: 127.0.0.1 refused: unknown token" in log, "refused admin tokens are not logged")
    fl.finish(ck, members, srv)


if __name__ == "__main__":
    fl.main(scenario, limit=80)
