#!/usr/bin/env python3
"""baton-ctl against the real baton-server and two real baton-client members.

An open server runs ring r1 (alice and bob, a send every 0.2 s) and ring r2
(carol alone, waiting). Every command is run and its human output and its
--json checked against each other; `ring nosuch` exits 66, an admin port
that refuses or never answers exits 69, bad usage 64; `watch r1 --count 3`
prints three turns; watch ends cleanly (0) on SIGINT and SIGTERM, follows a
ring that doesn't exist yet, and gives up (69) when the server stops. Then
the actions on ring a1 (alice and bob): skip revokes the holder, pause stops
the turns and resume starts them again (a second resume: 65), set changes the
turn timeout and minimum members, kick removes bob (an unknown member or ring:
66), drain marks the ring draining. Then a server with --auth-file: no token
sees the ring but no payloads, a watcher token sees them, a member-only token
doesn't, a wrong token exits 77; an action with a watcher-only, member-only,
wrong or no token exits 77, with an admin token it is done.

The actions are skipped, with a SKIP line, against a server that answers 404
or 405 to POST /rings/NAME/skip: one older than them.

Python 3 standard library only. Exit 0 passed, 1 failed, 77 skipped (a binary missing).
Usage: test_ctl.py --server-bin B --client-bin B --ctl-bin B"""
import argparse
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

ADMIN_RE = re.compile(r"admin HTTP on [^\s]+:(\d+)")
LISTEN_RE = re.compile(r"baton-server listening on [^\s]+:(\d+)")
RINGS_HEADER = ["NAME", "STATE", "HOLDER", "TURN", "MEMBERS", "WATCHERS", "QUEUE", "LEFT"]
TURN_LINE = re.compile(r"^(\d+) (joined|left|sent|revoked|holder_left) ([A-Za-z0-9._-]+)(: (.*))?$")

failures = []
children = []
# Whether the server takes actions (POST /rings/NAME/ACTION); None until asked.
server_has_actions = None


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)
    return ok


def spawn(cmd, **kw):
    p = subprocess.Popen(cmd, **kw)
    children.append(p)
    return p


def cleanup():
    for p in children:
        if p.poll() is None:
            p.kill()
            p.wait()


class Server:
    def __init__(self, binary, *flags):
        self.tmp = tempfile.mkdtemp(prefix="baton-ctl-test-")
        self.log_path = os.path.join(self.tmp, "server.log")
        with open(self.log_path, "wb") as out:
            self.proc = spawn([binary, "--host", "127.0.0.1", "--port", "0", "--admin-port", "0", *flags],
                              stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            text = self.log()
            m, a = LISTEN_RE.search(text), ADMIN_RE.search(text)
            if m and a:
                self.port, self.admin_port = int(m.group(1)), int(a.group(1))
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"baton-server exited {self.proc.returncode}:\n{text}")
            time.sleep(0.02)
        raise RuntimeError("baton-server did not log its ports within 10 s:\n" + self.log())

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Ctl:
    def __init__(self, binary, admin_port, env=None):
        self.binary = binary
        self.admin = f"127.0.0.1:{admin_port}"
        self.env = env

    def env_with(self, extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("BATON_")}
        env.update(self.env or {})
        env.update(extra or {})
        return env

    def run(self, *args, env=None, timeout=20, admin=True):
        cmd = [self.binary] + (["--admin", self.admin] if admin else []) + list(args)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=self.env_with(env))
        return r.returncode, r.stdout, r.stderr

    def json(self, *args, env=None):
        rc, out, err = self.run("--json", *args, env=env)
        if rc != 0:
            raise RuntimeError(f"baton-ctl --json {' '.join(args)} exited {rc}: {err}")
        return json.loads(out)


def member(client_bin, port, name, ring, start, token_file=None):
    cmd = [client_bin, "--host", "127.0.0.1", "--port", str(port), "--name", name, "--ring", ring,
           "--start", str(start), "--interval", "0.2", "--quiet"]
    if token_file:
        cmd += ["--token-file", token_file]
    return spawn(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = pred()
            if last:
                return last
        except (RuntimeError, ValueError, KeyError) as e:
            last = e
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what} (last: {last})")


def pairs(text):
    """The key/value lines before the first blank line: {key: value}. Keys may hold one space."""
    out = {}
    for line in text.split("\n"):
        if not line:
            break
        m = re.match(r"^(\S+(?: \S+)?)\s{2,}(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def table(lines):
    """Rows of an aligned table (first line the header) as lists of cells."""
    return [re.split(r"\s{2,}", l.rstrip()) for l in lines if l.strip()]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def watch_lines(ctl, *args, count, env=None, timeout=30):
    rc, out, err = ctl.run(*args, "--count", str(count), env=env, timeout=timeout)
    return rc, [l for l in out.split("\n") if l], err


def open_server(args):
    srv = Server(args.server_bin)
    ctl = Ctl(args.ctl_bin, srv.admin_port)
    member(args.client_bin, srv.port, "alice", "r1", 1)
    member(args.client_bin, srv.port, "bob", "r1", 2)
    member(args.client_bin, srv.port, "carol", "r2", 100)
    wait_for(lambda: ctl.json("ring", "r1")["state"] == "running"
             and len(ctl.json("ring", "r1")["events"]) >= 4, 10, "ring r1 running with events")
    wait_for(lambda: ctl.json("ring", "r2")["members"], 10, "ring r2")

    # status
    rc, out, err = ctl.run("status")
    st = ctl.json("status")
    kv = pairs(out)
    check(rc == 0 and err == "", f"status exits 0 quietly (rc {rc}, stderr {err!r})")
    for key in ("version", "state", "uptime", "threads", "connections", "rings", "turns/s", "totals", "journal"):
        check(key in kv, f"status shows {key}")
    check(kv.get("version", "").startswith(st["version"]), "status: the version is the server's")
    check(kv.get("state") == st["state"] == "ready", "status: state ready")
    check(kv.get("threads") == str(st["threads"]), "status: threads as in /status")
    check(re.match(r"^3 open of \d+; v1 3, legacy 0", kv.get("connections", "")) is not None,
          f"status: 3 v1 connections ({kv.get('connections')})")
    check(kv.get("rings", "").startswith("2 open, 1 waiting"), f"status: 2 rings, 1 waiting ({kv.get('rings')})")
    check(kv.get("journal") == "off", "status: journal off")
    cols = {len(re.match(r"^\S+(?: \S+)?\s+", l).group(0)) for l in out.split("\n") if l}
    check(len(cols) == 1, f"status: the values are aligned ({cols})")

    # rings: table, paging, --all, --after
    rc, out, err = ctl.run("rings")
    rows = table(out.split("\n"))
    check(rc == 0 and rows and rows[0] == RINGS_HEADER, f"rings prints the header ({rows[:1]})")
    byname = {r[0]: r for r in rows[1:]}
    check(set(byname) == {"r1", "r2"}, f"rings lists r1 and r2 ({sorted(byname)})")
    if "r1" in byname and "r2" in byname:
        r1, r2 = byname["r1"], byname["r2"]
        check(r1[1] == "running" and r1[2] in ("alice", "bob", "-") and r1[4] == "2",
              f"rings: r1 running, two members ({r1})")
        check(r2[1] == "waiting" and r2[2] == "-" and r2[4] == "1" and r2[7] == "-", f"rings: r2 waiting ({r2})")
        check(re.match(r"^(\d+(\.\d)?s|\d+ms|-)$", r1[7]) is not None, f"rings: LEFT is a duration ({r1[7]})")
    page = ctl.json("rings", "--limit", "1")
    check([r["name"] for r in page["rings"]] == ["r1"] and page["next"] == "r1",
          f"rings --limit 1: one page, next r1 ({page})")
    rc, out, _ = ctl.run("rings", "--limit", "1")
    check(rc == 0 and [r[0] for r in table(out.split("\n"))[1:]] == ["r1"], "rings --limit 1 shows r1 only")
    rc, out, _ = ctl.run("rings", "--limit", "1", "--all")
    check(rc == 0 and [r[0] for r in table(out.split("\n"))[1:]] == ["r1", "r2"],
          f"rings --limit 1 --all follows next to the end ({out!r})")
    rc, out, _ = ctl.run("--json", "rings", "--limit", "1", "--all")
    pages = [json.loads(l) for l in out.split("\n") if l]
    check(rc == 0 and len(pages) == 2 and pages[-1]["next"] is None, "--json rings --all: one page per line")
    rc, out, _ = ctl.run("rings", "--after", "r1")
    check(rc == 0 and [r[0] for r in table(out.split("\n"))[1:]] == ["r2"], "rings --after r1 shows r2 only")
    rc, _, err = ctl.run("rings", "--limit", "0")
    check(rc == 64, f"rings --limit 0 exits 64 ({rc})")

    # ring NAME
    rc, out, err = ctl.run("ring", "r1")
    ring = ctl.json("ring", "r1")
    kv = pairs(out)
    check(rc == 0 and kv.get("name") == "r1" and kv.get("state") == "running", f"ring r1 ({kv})")
    check(kv.get("payloads") == "shown" and ring["payloads"] is True, "ring r1: payloads shown on an open server")
    blocks = out.split("\n\n")
    members = table(blocks[1].split("\n")) if len(blocks) > 1 else []
    check(members[:1] == [["MEMBER", "POSITION", "STATE", "WIRE"]], f"ring r1: a members table ({members[:1]})")
    # Each call sees its own moment (the holder changes every 0.2 s): compare shapes, not moments.
    check(sorted(m[0] for m in members[1:]) == ["alice", "bob"], f"ring r1: alice and bob ({members[1:]})")
    # "holder"/"queued" before the admin actions' server, "holding"/"waiting" with it (docs/ADMIN.md).
    check([m[1:3] for m in members[1:]] in ([["0", "holder"], ["1", "queued"]], [["0", "holding"], ["1", "waiting"]])
          and [m["position"] for m in ring["members"]] == [0, 1], "ring r1: the holder at 0, then the queue")
    check(all(m[3] == "v1" for m in members[1:]), "ring r1: both v1")
    lines = blocks[2].split("\n") if len(blocks) > 2 else []
    header = re.split(r"\s{2,}", lines[1]) if len(lines) > 1 else []
    events = [l for l in lines[2:] if l]
    event_re = re.compile(r"^(\d+)\s+(joined|left|sent|revoked|holder_left)\s+(alice|bob)\s+\d\d:\d\d:\d\d\.\d{3}(\s+(\S.*))?$")
    parsed = [event_re.match(l) for l in events]
    check(header == ["TURN", "KIND", "NAME", "AT (UTC)", "PAYLOAD"] and len(events) >= 4 and all(parsed),
          f"ring r1: a table of its last events ({lines[:4]})")
    sends = [m for m in parsed if m and m.group(2) == "sent"]
    check(sends and all(m.group(5) and m.group(5).isdigit() for m in sends), "ring r1: each send with its payload")
    turns = [int(m.group(1)) for m in parsed if m]
    check(turns == sorted(turns) and len(ring["events"]) <= 16, "ring r1: events oldest first, at most 16")
    check(all(isinstance(e["payload"], str) for e in ring["events"] if e["kind"] == "sent"),
          "--json ring r1: sends carry their payloads")
    rc, out, err = ctl.run("ring", "nosuch")
    check(rc == 66 and out == "" and err.startswith("baton-ctl: ") and err.count("\n") == 1,
          f"ring nosuch exits 66 with one line ({rc}, {err!r})")
    rc, _, err = ctl.run("ring", "bad/name")
    check(rc == 64, f"ring bad/name exits 64 ({rc})")

    # watch
    t0 = time.monotonic()
    rc, lines, err = watch_lines(ctl, "watch", "r1", count=3)
    turns = [TURN_LINE.match(l) for l in lines]
    check(rc == 0 and len(lines) == 3 and all(turns), f"watch r1 --count 3 prints 3 turns ({rc}, {lines}, {err!r})")
    check(all(m.group(2) != "sent" or m.group(5) for m in turns if m), "watch r1: sends carry their payloads")
    check(time.monotonic() - t0 < 15, "watch --count 3 ends promptly")
    rc, lines, err = watch_lines(ctl, "--json", "watch", "r1", count=3)
    objs = [json.loads(l) for l in lines]
    check(rc == 0 and sum(o["event"] == "turn" for o in objs) == 3 and all({"event", "id", "data"} <= set(o) for o in objs),
          f"--json watch: objects with event, id and data, 3 turns ({rc}, {err!r})")
    check(all(o["id"] == str(o["data"]["turn"]) for o in objs if o["event"] == "turn"), "--json watch: a turn's id is its turn")
    for sig in (signal.SIGINT, signal.SIGTERM):
        p = spawn([args.ctl_bin, "--admin", ctl.admin, "watch", "r1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                  text=True, env=ctl.env_with({}))
        first = p.stdout.readline()
        p.send_signal(sig)
        try:
            rest, err = p.communicate(timeout=5)
            check(p.returncode == 0 and TURN_LINE.match(first.rstrip("\n")) and err == "",
                  f"watch ends with 0 on {sig.name} ({p.returncode}, {first!r}, {err!r})")
        except subprocess.TimeoutExpired:
            check(False, f"watch ends on {sig.name}")
    later = spawn([args.ctl_bin, "--admin", ctl.admin, "watch", "later", "--count", "2"], stdout=subprocess.PIPE,
                  stderr=subprocess.PIPE, text=True, env=ctl.env_with({}))
    time.sleep(1)
    check(later.poll() is None, "watch of a ring that doesn't exist yet waits for it")
    member(args.client_bin, srv.port, "dave", "later", 1)
    member(args.client_bin, srv.port, "erin", "later", 2)
    try:
        out, err = later.communicate(timeout=15)
        lines = [l for l in out.split("\n") if l]
        check(later.returncode == 0 and len(lines) >= 2 and all(TURN_LINE.match(l) or l.startswith(("gap", "gone")) for l in lines),
              f"watch later: its turns once the ring exists ({later.returncode}, {lines}, {err!r})")
    except subprocess.TimeoutExpired:
        check(False, "watch later: turns once the ring exists")

    # the admin port unreachable, silent; usage
    rc, out, err = Ctl(args.ctl_bin, free_port()).run("status")
    check(rc == 69 and err.startswith("baton-ctl: ") and out == "", f"a closed admin port exits 69 ({rc}, {err!r})")
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    t0 = time.monotonic()
    rc, out, err = Ctl(args.ctl_bin, silent.getsockname()[1]).run("--timeout", "500ms", "status")
    took = time.monotonic() - t0
    check(rc == 69 and took < 3, f"an admin port that never answers exits 69 after --timeout ({rc}, {took:.1f}s)")
    rc, _, err = Ctl(args.ctl_bin, silent.getsockname()[1]).run("--timeout", "500ms", "watch", "r1")
    check(rc == 69, f"watch of an admin port that never answers exits 69 ({rc})")
    silent.close()
    rc, out, _ = ctl.run("status", admin=False, env={"BATON_ADMIN": ctl.admin})
    check(rc == 0 and "version" in out, "BATON_ADMIN picks the admin port")
    rc, _, err = ctl.run()
    check(rc == 64, f"no command exits 64 ({rc})")
    rc, _, err = ctl.run("--admin", "nonsense", "status", admin=False)
    check(rc == 64, f"--admin nonsense exits 64 ({rc})")
    rc, _, err = ctl.run("--no-such-flag", "status")
    check(rc == 64, f"an unknown flag exits 64 ({rc})")

    # The server goes away under a watch: a bounded number of reconnections, then 69.
    p = spawn([args.ctl_bin, "--admin", ctl.admin, "watch", "r1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
              text=True, env=ctl.env_with({}))
    p.stdout.readline()
    srv.stop()
    try:
        _, err = p.communicate(timeout=20)
        check(p.returncode == 69 and "gave up after" in err.strip().split("\n")[-1],
              f"watch of a server that stopped gives up with 69 ({p.returncode}, {err.strip().splitlines()[-1:]})")
    except subprocess.TimeoutExpired:
        check(False, "watch of a server that stopped gives up")


def probe_actions(admin_port, ring):
    """The status of POST /rings/RING/skip (a real skip if the server has actions)."""
    c = http.client.HTTPConnection("127.0.0.1", admin_port, timeout=10)
    try:
        c.request("POST", f"/rings/{ring}/skip", headers={"Content-Length": "0"})
        r = c.getresponse()
        r.read()
        return r.status
    finally:
        c.close()


def actions_open(args):
    global server_has_actions
    srv = Server(args.server_bin)
    ctl = Ctl(args.ctl_bin, srv.admin_port)
    member(args.client_bin, srv.port, "alice", "a1", 1)
    member(args.client_bin, srv.port, "bob", "a1", 2)
    wait_for(lambda: ctl.json("ring", "a1")["state"] == "running" and ctl.json("ring", "a1")["holder"], 10,
             "ring a1 running")
    status = probe_actions(srv.admin_port, "a1")
    server_has_actions = status not in (404, 405)
    if not server_has_actions:
        print(f"SKIP the actions against the real server: POST /rings/a1/skip answered {status} "
              "(a server without them)", flush=True)
        srv.stop()
        return

    # skip: the holder is revoked, the ring moves on to the other member.
    for _ in range(5):  # between a send and the next grant nobody holds it (409): try again
        rc, out, err = ctl.run("skip", "a1")
        if rc != 65:
            break
        time.sleep(0.05)
    m = re.match(r"^skipped (alice|bob) in ring a1 \(turn (\d+) revoked\)\n$", out)
    if check(rc == 0 and m and err == "", f"skip a1: one line naming the holder and its turn ({rc}, {out!r}, {err!r})"):
        who, turn = m.group(1), int(m.group(2))
        try:
            wait_for(lambda: (lambda j: j["turn"] > turn and (j["holder"] not in (None, who) or j["turn"] > turn + 1))(
                ctl.json("ring", "a1")), 5, f"a holder other than {who} after turn {turn}")
            check(True, f"skip a1: the next turn went to the other member than {who}")
        except RuntimeError as e:
            check(False, f"skip a1: the next turn went to the other member ({e})")
    j = None
    for _ in range(5):
        rc, out, err = ctl.run("--json", "skip", "a1")
        if rc != 65:
            j = json.loads(out) if rc == 0 else None
            break
        time.sleep(0.05)
    check(j is not None and j.get("ok") is True and j.get("action") == "skip" and j.get("ring") == "a1"
          and j.get("member") in ("alice", "bob") and isinstance(j.get("turn"), int),
          f"--json skip a1: the server's answer ({rc}, {out!r}, {err!r})")

    # pause: no grants (the holder at the time may still finish its turn); resume: turns again.
    rc, out, err = ctl.run("pause", "a1")
    check(rc == 0 and out == "paused ring a1\n" and err == "", f"pause a1 ({rc}, {out!r}, {err!r})")
    check(ctl.json("ring", "a1").get("paused") is True, "pause a1: ring a1 --json says paused")
    time.sleep(0.6)
    before = ctl.json("ring", "a1")
    time.sleep(1.0)
    after = ctl.json("ring", "a1")
    check(after["turn"] == before["turn"], f"paused: no turn over 1 s ({before['turn']} -> {after['turn']})")
    if after["holder"] is None:
        rc, out, err = ctl.run("skip", "a1")
        check(rc == 65 and out == "" and err.count("\n") == 1, f"skip with nobody holding exits 65 ({rc}, {err!r})")
    rc, out, err = ctl.run("resume", "a1")
    check(rc == 0 and out == "resumed ring a1\n" and err == "", f"resume a1 ({rc}, {out!r}, {err!r})")
    try:
        wait_for(lambda: ctl.json("ring", "a1")["turn"] > after["turn"] + 1, 5, "turns after resume")
        check(True, "resume a1: the turns go on")
    except RuntimeError as e:
        check(False, f"resume a1: the turns go on ({e})")
    check(ctl.json("ring", "a1").get("paused") is False, "resume a1: ring a1 --json says not paused")
    rc, out, err = ctl.run("resume", "a1")
    check(rc == 65 and out == "" and err.count("\n") == 1, f"resume of a ring not paused exits 65 ({rc}, {err!r})")

    # set
    rc, out, err = ctl.run("set", "a1", "--turn-timeout", "2s")
    check(rc == 0 and re.match(r"^ring a1: turn timeout 2000 ms, min members \d+\n$", out) and err == "",
          f"set a1 --turn-timeout 2s ({rc}, {out!r}, {err!r})")
    check(ctl.json("ring", "a1").get("turn_timeout_ms") == 2000, "set a1: ring a1 --json has turn_timeout_ms 2000")
    rc, out, err = ctl.run("--json", "set", "a1", "--min-members", "1")
    j = json.loads(out) if rc == 0 else {}
    check(j.get("ok") is True and j.get("action") == "set" and j.get("min_members") == 1
          and j.get("turn_timeout_ms") == 2000,
          f"--json set a1 --min-members 1: the ring's values ({rc}, {out!r}, {err!r})")
    check(ctl.json("ring", "a1").get("min_members") == 1, "set a1: ring a1 --json has min_members 1")

    # kick; nobody to kick, no such ring
    rc, out, err = ctl.run("kick", "a1", "nobody")
    check(rc == 66 and out == "" and err.count("\n") == 1, f"kick a1 nobody exits 66 ({rc}, {err!r})")
    rc, out, err = ctl.run("skip", "nosuch")
    check(rc == 66 and out == "" and err.count("\n") == 1, f"skip nosuch exits 66 ({rc}, {err!r})")
    rc, out, err = ctl.run("kick", "a1", "bob")
    check(rc == 0 and out == "kicked bob from ring a1\n" and err == "", f"kick a1 bob ({rc}, {out!r}, {err!r})")
    try:
        wait_for(lambda: [m["name"] for m in ctl.json("ring", "a1")["members"]] == ["alice"], 3, "only alice in a1")
        check(True, "kick a1 bob: only alice is left")
    except RuntimeError as e:
        check(False, f"kick a1 bob: only alice is left ({e})")
    time.sleep(1)
    names = [m["name"] for m in ctl.json("ring", "a1")["members"]]
    check(names == ["alice"], f"kick a1 bob: bob does not come back ({names})")

    # drain
    rc, out, err = ctl.run("drain", "a1")
    check(rc == 0 and out == "draining ring a1\n" and err == "", f"drain a1 ({rc}, {out!r}, {err!r})")
    check(ctl.json("ring", "a1").get("draining") is True, "drain a1: ring a1 --json says draining")
    rc, out, err = ctl.run("ring", "a1")
    check(rc == 0 and pairs(out).get("name") == "a1", f"ring a1 still shows after the actions ({rc}, {err!r})")
    srv.stop()


def hash_token(server_bin):
    r = subprocess.run([server_bin, "--new-token"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    m = re.search(r"sha256:[0-9a-f]{64}", r.stderr)
    assert m, r.stderr
    return r.stdout.strip(), m.group(0)


def auth_server(args):
    tmp = tempfile.mkdtemp(prefix="baton-ctl-auth-")
    watcher, watcher_cred = hash_token(args.server_bin)
    members, members_cred = hash_token(args.server_bin)
    admin, admin_cred = hash_token(args.server_bin)
    wrong, _ = hash_token(args.server_bin)
    auth = os.path.join(tmp, "auth")
    with open(auth, "w") as f:
        f.write(f"{watcher_cred} watcher * dashboard\n{members_cred} member r1 members\n{admin_cred} admin r1 ops\n")
    files = {}
    for name, tok in (("watcher", watcher), ("members", members), ("admin", admin), ("wrong", wrong)):
        files[name] = os.path.join(tmp, name + ".token")
        with open(files[name], "w") as f:
            f.write(tok + "\n")
    srv = Server(args.server_bin, "--auth-file", auth)
    ctl = Ctl(args.ctl_bin, srv.admin_port)
    member(args.client_bin, srv.port, "alice", "r1", 1, files["members"])
    member(args.client_bin, srv.port, "bob", "r1", 2, files["members"])
    wait_for(lambda: any(e["kind"] == "sent" for e in ctl.json("ring", "r1")["events"]), 10, "sends in r1 under auth")

    rc, out, err = ctl.run("ring", "r1")
    ring = ctl.json("ring", "r1")
    check(rc == 0 and pairs(out).get("payloads", "").startswith("hidden") and "PAYLOAD" not in out,
          f"no token: ring r1 shows no payloads ({rc}, {err!r})")
    check(ring["payloads"] is False and all(e.get("payload") is None for e in ring["events"]),
          "no token: --json ring r1 has payloads false and null payloads")
    for how, env, extra in (("--token-file", None, ["--token-file", files["watcher"]]),
                            ("BATON_TOKEN", {"BATON_TOKEN": watcher}, []),
                            ("BATON_TOKEN_FILE", {"BATON_TOKEN_FILE": files["watcher"]}, [])):
        rc, out, err = ctl.run(*extra, "ring", "r1", env=env)
        j = ctl.json(*extra, "ring", "r1", env=env)
        sent = [e for e in j["events"] if e["kind"] == "sent"]
        check(rc == 0 and pairs(out).get("payloads") == "shown" and "PAYLOAD" in out,
              f"watcher token ({how}): ring r1 shows payloads ({rc}, {err!r})")
        check(j["payloads"] is True and sent and all(isinstance(e["payload"], str) for e in sent),
              f"watcher token ({how}): --json ring r1 has the payloads")
    rc, out, err = ctl.run("--token-file", files["members"], "ring", "r1")
    check(rc == 0 and pairs(out).get("payloads", "").startswith("hidden"),
          f"a member-only token: no payloads, no error ({rc}, {err!r})")
    for cmd in (["ring", "r1"], ["status"], ["rings"], ["watch", "r1", "--count", "1"]):
        rc, out, err = ctl.run("--token-file", files["wrong"], *cmd)
        check(rc == 77 and out == "" and err.startswith("baton-ctl: ") and err.count("\n") == 1,
              f"a wrong token: {' '.join(cmd)} exits 77 ({rc}, {err!r})")
    rc, _, err = ctl.run(env={"BATON_TOKEN": wrong}, *["status"])
    check(rc == 77, f"a wrong BATON_TOKEN exits 77 ({rc})")
    rc, lines, err = watch_lines(ctl, "watch", "r1", count=3)
    turns = [TURN_LINE.match(l) for l in lines]
    check(rc == 0 and len(lines) == 3 and all(m and m.group(4) is None for m in turns),
          f"no token: watch shows turns without payloads ({lines}, {err!r})")
    rc, lines, err = watch_lines(ctl, "--token-file", files["watcher"], "watch", "r1", count=3)
    turns = [TURN_LINE.match(l) for l in lines]
    check(rc == 0 and len(lines) == 3 and all(m for m in turns) and any(m.group(5) for m in turns if m.group(2) == "sent"),
          f"watcher token: watch shows the payloads ({lines}, {err!r})")
    rc, _, err = ctl.run("--token", watcher, "--token-file", files["watcher"], "status")
    check(rc == 64, f"--token and --token-file together exit 64 ({rc})")
    rc, _, err = ctl.run("--token-file", os.path.join(tmp, "missing"), "status")
    check(rc == 64 and "missing" in err, f"an unreadable token file exits 64 ({rc}, {err!r})")
    auth_actions(ctl, files)
    srv.stop()


def auth_actions(ctl, files):
    if not server_has_actions:
        print("SKIP the actions with --auth-file: the server has none (see above)", flush=True)
        return
    for who in ("watcher", "members"):
        rc, out, err = ctl.run("--token-file", files[who], "pause", "r1")
        check(rc == 77 and out == "" and err.startswith("baton-ctl: ") and err.count("\n") == 1,
              f"a {who}-only token: pause r1 exits 77 ({rc}, {err!r})")
    check(ctl.json("ring", "r1").get("paused") is False, "refused pauses did not pause r1")
    rc, out, err = ctl.run("--token-file", files["admin"], "pause", "r1")
    check(rc == 0 and out == "paused ring r1\n" and err == "", f"an admin token: pause r1 ({rc}, {out!r}, {err!r})")
    check(ctl.json("ring", "r1").get("paused") is True, "an admin token: r1 is paused")
    rc, out, err = ctl.run("--token-file", files["admin"], "resume", "r1")
    check(rc == 0 and out == "resumed ring r1\n" and err == "", f"an admin token: resume r1 ({rc}, {out!r}, {err!r})")
    # Last: each refusal slows this address's next verdicts (the failed-token delay).
    for how, extra in (("a wrong token", ["--token-file", files["wrong"]]), ("no token", [])):
        rc, out, err = ctl.run("--timeout", "15s", *extra, "skip", "r1", timeout=40)
        check(rc == 77 and out == "" and err.count("\n") == 1, f"{how}: skip r1 exits 77 ({rc}, {err!r})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server-bin", required=True)
    ap.add_argument("--client-bin", required=True)
    ap.add_argument("--ctl-bin", required=True)
    args = ap.parse_args()
    for b in (args.server_bin, args.client_bin, args.ctl_bin):
        if not os.access(b, os.X_OK):
            print(f"skipped: no binary at {b}")
            return 77
    try:
        open_server(args)
        cleanup()
        actions_open(args)
        cleanup()
        auth_server(args)
    except Exception as e:  # noqa: BLE001 - a scenario that can't go on is one failure, reported
        import traceback
        traceback.print_exc()
        failures.append(f"{type(e).__name__}: {e}")
    finally:
        cleanup()
    if failures:
        print(f"{len(failures)} failed:\n  " + "\n  ".join(failures))
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
