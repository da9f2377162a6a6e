#!/usr/bin/env python3
"""baton-ctl against a scripted admin port: what the real server rarely does.

A fake server (Python's socketserver) answers each connection from a script:
a stream that drops and is resumed with Last-Event-ID, chunked or plain
bodies, gap and gone events, a stream that keeps dropping (watch gives up:
69), a refused stream (401: 77, 503: 69, 500: 70), bodies that are not JSON
or not an event stream (70), an event-stream line over 1 MiB (70),
`rings --all` following `next` page by page, and every action (skip, kick,
pause, resume, set, drain): its POST (path, query, Authorization, an empty
body), its line and its --json for a 200, and its exit code for 404 (66),
401/403 (77), 409 (65), 503 (69), 405, 400 and a body that is not JSON or not
a success (70); bad usage (64) sends nothing.

Python 3 standard library only. Exit 0 passed, 1 failed, 77 skipped (no binary).
Usage: test_ctl_fake.py --ctl-bin B"""
import argparse
import json
import os
import socket
import socketserver
import subprocess
import sys
import threading

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


class Fake:
    """Each connection pops the next handler from `script`; requests are recorded."""

    def __init__(self):
        self.script = []
        self.requests = []
        fake = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = self.request.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                head = data.split(b"\r\n\r\n", 1)[0].decode()
                lines = head.split("\r\n")
                headers = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
                method, target = lines[0].split()[:2]
                fake.requests.append((target, headers, method))
                step = fake.script.pop(0) if fake.script else respond(404, '{"error":"no such path"}')
                step(self.request)

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def respond(status, body, ctype="application/json"):
    def step(sock):
        b = body.encode()
        sock.sendall(f"HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {len(b)}\r\n"
                     f"Connection: close\r\n\r\n".encode() + b)
    return step


def sse(*pieces, chunked=False, hold=0.0):
    """An event stream of the given pieces (each sent on its own), then closed (after `hold` s)."""
    def step(sock):
        head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else "Connection: close\r\n\r\n"
        sock.sendall(head.encode())
        for p in pieces:
            b = p.encode() if isinstance(p, str) else p
            sock.sendall(b"%x\r\n%s\r\n" % (len(b), b) if chunked else b)
        if hold:
            threading.Event().wait(hold)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
    return step


def turn(t, name="alice", kind="sent", payload="x"):
    d = {"turn": t, "kind": kind, "name": name, "at_ms": 1, "payload": payload, "truncated": False}
    return f"event: turn\nid: {t}\ndata: {json.dumps(d)}\n\n"


def ctl(binary, port, *args, timeout=30, env=None):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("BATON_")}, **(env or {})}
    r = subprocess.run([binary, "--admin", f"127.0.0.1:{port}", *args], capture_output=True, text=True,
                       timeout=timeout, env=env)
    return r.returncode, r.stdout, r.stderr


def success(action, **extra):
    return json.dumps({"ok": True, "ring": "r", "action": action, "by": "admin@127.0.0.1:40000", **extra})


# (argv, the request's target, the server's 200 body, the line printed)
ACTIONS = [
    (["skip", "r"], "/rings/r/skip", success("skip", member="alice", turn=17),
     "skipped alice in ring r (turn 17 revoked)"),
    (["kick", "r", "bob"], "/rings/r/kick?member=bob", success("kick", member="bob"), "kicked bob from ring r"),
    (["pause", "r"], "/rings/r/pause", success("pause"), "paused ring r"),
    (["resume", "r"], "/rings/r/resume", success("resume"), "resumed ring r"),
    (["set", "r", "--turn-timeout", "5s", "--min-members", "3"], "/rings/r/set?turn_timeout=5s&min_members=3",
     success("set", turn_timeout_ms=5000, min_members=3), "ring r: turn timeout 5000 ms, min members 3"),
    (["set", "r", "--turn-timeout", "0"], "/rings/r/set?turn_timeout=0",
     success("set", turn_timeout_ms=0, min_members=2), "ring r: turn timeout none, min members 2"),
    (["set", "r", "--min-members", "1"], "/rings/r/set?min_members=1",
     success("set", turn_timeout_ms=30000, min_members=1), "ring r: turn timeout 30000 ms, min members 1"),
    # '+' in a query is a space to the server's parser: it must go as %2B.
    (["set", "r", "--turn-timeout", "1e+3ms"], "/rings/r/set?turn_timeout=1e%2B3ms",
     success("set", turn_timeout_ms=1000, min_members=2), "ring r: turn timeout 1000 ms, min members 2"),
    (["drain", "r"], "/rings/r/drain", success("drain"), "draining ring r"),
]


def actions(fake, run):
    token = {"BATON_TOKEN": "adm1n-token"}
    for argv, target, body, line in ACTIONS:
        what = " ".join(argv)
        for env in (token, None):
            fake.script = [respond(200, body)]
            fake.requests.clear()
            rc, out, err = run(*argv, env=env)
            check(rc == 0 and out == line + "\n" and err == "", f"{what}: exit 0, {line!r} ({rc}, {out!r}, {err!r})")
            req = fake.requests[0] if len(fake.requests) == 1 else (None, {}, None)
            check(req[2] == "POST" and req[0] == target and req[1].get("content-length") == "0",
                  f"{what}: POST {target} with an empty body ({fake.requests})")
            auth = req[1].get("authorization")
            check(auth == ("Bearer adm1n-token" if env else None),
                  f"{what}: Authorization {auth!r} (token: {bool(env)})")
        # --json: the body exactly as it came, spacing and key order included.
        raw = body.replace(",", " ,  ").replace('{"ok": true', '{ "ok":true ')
        fake.script = [respond(200, raw)]
        rc, out, err = run("--json", *argv)
        check(rc == 0 and out == raw + "\n" and err == "", f"--json {what}: the server's body unchanged ({out!r})")
        for status, code in ((404, 66), (401, 77), (403, 77), (409, 65), (503, 69), (405, 70), (400, 70), (500, 70)):
            fake.script = [respond(status, '{"error":"because %d"}' % status)]
            rc, out, err = run(*argv)
            check(rc == code and out == "" and f"because {status}" in err and err.count("\n") == 1,
                  f"{what} answered {status}: exit {code}, one line ({rc}, {err!r})")
        for bad in ("not json", "[1,2]", '{"ok":false,"ring":"r"}', '{"ring":"r"}'):
            for json_flag in ([], ["--json"]):
                fake.script = [respond(200, bad)]
                rc, out, err = run(*json_flag, *argv)
                check(rc == 70 and out == "" and err.count("\n") == 1,
                      f"{' '.join(json_flag + argv)} answered 200 {bad}: exit 70 ({rc}, {out!r}, {err!r})")
    fake.script = [respond(405, '{"error":"GET only"}')]
    rc, _, err = run("skip", "r")
    check(rc == 70 and "older than the admin actions" in err, f"a 405 says the server may predate actions ({err!r})")
    fake.script = [respond(200, success("drain"))]
    rc, _, err = run("pause", "r")
    check(rc == 70, f"an answer for another action: 70 ({rc}, {err!r})")
    fake.script = [lambda s: None]
    rc, _, err = run("skip", "r")
    check(rc == 69, f"an action closed without an answer: 69 ({rc}, {err!r})")

    # Bad usage is found before anything is sent.
    fake.requests.clear()
    for argv in (["set", "r"], ["set", "r", "--turn-timeout", "soon"], ["set", "r", "--turn-timeout", ""],
                 ["set", "r", "--turn-timeout", "-1s"], ["set", "r", "--min-members", "0"],
                 ["set", "r", "--min-members", "1001"], ["set", "r", "--min-members", "x"], ["kick", "r"],
                 ["kick", "r", "bad/name"], ["kick", "r", "a b"], ["skip"], ["skip", "bad/name"], ["pause", "a" * 65],
                 ["drain", "r", "extra"], ["skip", "r", "--turn-timeout", "1s"]):
        rc, out, err = run(*argv)
        check(rc == 64 and out == "", f"{argv}: bad usage, 64 ({rc}, {err!r})")
    check(fake.requests == [], f"bad usage sends nothing ({fake.requests})")
    rc, out, _ = run("--help")
    check(rc == 0 and all(w in out for w in ("skip", "kick", "pause", "resume", "set", "drain", "65", "66", "77")),
          "--help lists the actions and the exit codes")
    rc, out, _ = run("set", "--help")
    check(rc == 0 and "--turn-timeout" in out and "--min-members" in out, "set --help shows its flags")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ctl-bin", required=True)
    args = ap.parse_args()
    if not os.access(args.ctl_bin, os.X_OK):
        print(f"skipped: no binary at {args.ctl_bin}")
        return 77
    fake = Fake()
    run = lambda *a, **kw: ctl(args.ctl_bin, fake.port, *a, **kw)  # noqa: E731

    # A stream dropped after turn 11 resumes from 11; pieces split mid-line and mid-\r\n.
    ring = 'event: ring\nid: 12\ndata: {"name":"r","turn":12}\n\n'
    fake.script = [sse("retry: 100\n: ping\n\n", ring, turn(10)[:20], turn(10)[20:], turn(11).replace("\n", "\r\n")),
                   sse(ring, turn(12, payload="y"), 'event: gap\ndata: {"after":12,"first":20}\n\n',
                       'event: gone\ndata: {"name":"r"}\n\n', turn(20, "bob", "joined", None), chunked=True)]
    fake.requests.clear()
    rc, out, err = run("watch", "r", "--count", "4")
    lines = out.split("\n")[:-1]
    check(rc == 0 and lines[:2] == ["10 sent alice: x", "11 sent alice: x"] and lines[2] == "12 sent alice: y"
          and lines[3].startswith("gap: events after turn 12") and lines[4].startswith("gone: ring r")
          and lines[5] == "20 joined bob", f"watch across a drop: turns, gap, gone ({rc}, {lines}, {err!r})")
    check("reconnecting" in err and err.count("\n") == 1, f"watch says once that it reconnects ({err!r})")
    check(len(fake.requests) == 2 and fake.requests[0][0] == "/events?ring=r"
          and "last-event-id" not in fake.requests[0][1] and fake.requests[1][1].get("last-event-id") == "11",
          f"the reconnection sends Last-Event-ID of the last turn, not of the ring message ({fake.requests})")
    check(fake.requests[0][1].get("accept") == "text/event-stream", "the stream asks for text/event-stream")

    # --json: every event, one object per line.
    fake.script = [sse(ring, turn(13), chunked=True, hold=0.2)]
    rc, out, err = run("--json", "watch", "r", "--count", "1")
    objs = [json.loads(l) for l in out.split("\n") if l]
    check(rc == 0 and [o["event"] for o in objs] == ["ring", "turn"] and objs[1]["id"] == "13"
          and objs[1]["data"]["turn"] == 13, f"--json watch: ring and turn objects ({out!r}, {err!r})")

    # A stream that keeps dropping with nothing in it: a bounded number of tries, then 69.
    fake.script = [sse("retry: 100\n\n")] * 10
    fake.requests.clear()
    rc, out, err = run("watch", "r")
    check(rc == 69 and "gave up after 5 reconnections" in err and len(fake.requests) == 6,
          f"a stream that keeps dropping: 69 after 5 reconnections ({rc}, {len(fake.requests)} requests)")

    # Refusals and nonsense.
    for status, code in ((401, 77), (403, 77), (503, 69), (500, 70), (404, 70)):
        fake.script = [respond(status, '{"error":"because"}')]
        rc, out, err = run("watch", "r")
        check(rc == code and "because" in err and err.count("\n") == 1,
              f"watch answered {status}: exit {code} ({rc}, {err!r})")
        fake.script = [respond(status, '{"error":"because"}')]
        rc, out, err = run("status")
        check(rc == code and out == "", f"status answered {status}: exit {code} ({rc}, {err!r})")
    fake.script = [respond(404, '{"error":"no such ring"}')]
    rc, _, err = run("ring", "r")
    check(rc == 66, f"ring answered 404: exit 66 ({rc})")
    fake.script = [respond(200, "not json")]
    rc, _, err = run("status")
    check(rc == 70 and "not JSON" in err, f"a body that is not JSON: 70 ({rc}, {err!r})")
    fake.script = [respond(200, "[1,2]")]
    rc, _, err = run("rings")
    check(rc == 70, f"/rings that is not an object: 70 ({rc}, {err!r})")
    fake.script = [respond(200, '{"rings":[]}', ctype="text/plain")]
    rc, _, err = run("watch", "r")
    check(rc == 70 and "not an event stream" in err, f"a stream that is not text/event-stream: 70 ({rc}, {err!r})")
    fake.script = [sse("data: " + "x" * (1 << 20) + "\n\n", chunked=True)]
    rc, _, err = run("watch", "r")
    check(rc == 70 and "longer than" in err, f"an event-stream line over 1 MiB: 70 ({rc}, {err!r})")
    fake.script = [lambda s: s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")]
    rc, _, err = run("status")
    check(rc == 70, f"a body cut short: 70 ({rc}, {err!r})")
    fake.script = [lambda s: s.sendall(b"SSH-2.0-OpenSSH\r\n")]
    rc, _, err = run("status")
    check(rc == 70 and "malformed" in err, f"not HTTP at all: 70 ({rc}, {err!r})")
    fake.script = [lambda s: None]
    rc, _, err = run("status")
    check(rc == 69, f"closed without an answer: 69 ({rc}, {err!r})")

    # rings --all: page by page, each request naming the last page's next.
    page = lambda names, nxt: respond(200, json.dumps({"rings": [  # noqa: E731
        {"name": n, "members": 1, "watchers": 0, "holder": None, "turn": 1, "turn_left_ms": None, "queue": 0,
         "grants": 0, "state": "waiting"} for n in names], "next": nxt}))
    fake.script = [page(["a", "b"], "b"), page(["c", "d"], "d"), page(["e"], None)]
    fake.requests.clear()
    rc, out, err = run("rings", "--all", "--limit", "2")
    check(rc == 0 and [l.split()[0] for l in out.split("\n")[1:] if l] == list("abcde"),
          f"rings --all: every page ({out!r}, {err!r})")
    check([r[0] for r in fake.requests] == ["/rings?limit=2", "/rings?limit=2&after=b", "/rings?limit=2&after=d"],
          f"rings --all: after = next ({[r[0] for r in fake.requests]})")
    fake.script = [page(["a", "b"], "b"), page(["b"], "b")]
    rc, out, err = run("rings", "--all")
    check(rc == 70 and "does not come after" in err, f"rings --all: a next that doesn't move on is 70 ({rc}, {err!r})")

    # The token goes as a Bearer header; none without one.
    fake.script = [respond(200, "{}"), respond(200, "{}")]
    fake.requests.clear()
    env_token = {"BATON_TOKEN": "s3cr3t-token"}
    subprocess.run([args.ctl_bin, "--admin", f"127.0.0.1:{fake.port}", "status"], capture_output=True, timeout=10,
                   env={**{k: v for k, v in os.environ.items() if not k.startswith("BATON_")}, **env_token})
    run("status")
    check(fake.requests[0][1].get("authorization") == "Bearer s3cr3t-token"
          and "authorization" not in fake.requests[1][1], f"Authorization: Bearer TOKEN ({fake.requests})")
    rc, _, err = run("--token", "two words", "status")
    check(rc == 64, f"a token with a space is bad usage ({rc})")

    actions(fake, run)

    fake.server.shutdown()
    if failures:
        print(f"{len(failures)} failed:\n  " + "\n  ".join(failures))
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
