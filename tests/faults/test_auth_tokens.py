#!/usr/bin/env python3
"""Security 1: tokens per ring and role (--auth-file).

A server with an auth file runs ring payroll (alice and bob, members; a
watcher). Strangers try: no token, a wrong token, a token for another ring, a
watcher token that joins as member, a watcher that sends, and the seed's
legacy client (no --legacy-ring under auth). Each gets one clear ERROR and a
closed connection; the honest members are never dropped; no token appears in
the log. Then bob's grant is removed from the file and SIGHUP reloads it: bob
is closed with FORBIDDEN while alice and the watcher stay. Wrong tokens from
one address slow that address down, not another one."""
import os
import signal
import subprocess
import time

import faultlib as fl


def hash_token(server_bin, token):
    r = subprocess.run([server_bin, "--hash-token"], input=token.encode(), capture_output=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode().strip()


def new_token(server_bin):
    r = subprocess.run([server_bin, "--new-token"], capture_output=True, timeout=10)
    assert r.returncode == 0, r.stderr
    return r.stdout.decode().strip()


def refused(port, hello, source=None):
    """(first line after the greeting, closed?, seconds to the verdict) for a raw HELLO line."""
    p = fl.Peer(port, source=source)
    p.read_line(3)
    t0 = time.monotonic()
    p.send(hello)
    line = p.read_line(8)
    took = time.monotonic() - t0
    closed = p.expect_close(3) is not None
    p.close()
    return line, closed, took


def write_auth(path, lines):
    with open(path + ".new", "w") as f:
        f.write("# test grants\n" + "\n".join(lines) + "\n")
    os.replace(path + ".new", path)


def open_server_warnings(args, ck):
    """Without --auth-file the server is open, and says so once when it listens beyond loopback."""
    wide = fl.Server(args.server_bin, host="0.0.0.0")
    warning = b"no --auth-file: anyone who can reach"
    ck.expect(wide.log().count(warning) == 1, "an open server on 0.0.0.0 did not warn once at start")
    wide.stop()
    local = fl.Server(args.server_bin)
    ck.expect(warning not in local.log(), "an open server on loopback warned as if it were exposed")
    local.stop()


def careless_operator(args, ck, tmp):
    """Unusable auth or TLS files stop the start with exit 64 and say which and why."""
    bad = os.path.join(tmp, "plain-token")
    with open(bad, "w") as f:
        f.write("# pasted the token itself\nhunter2-token member payroll\n")
    for what, flags, want in (
            ("a missing auth file", ["--auth-file", os.path.join(tmp, "nope")], b"No such file"),
            ("a token in clear", ["--auth-file", bad], bad.encode() + b":2:"),
            ("a file that is no certificate", ["--tls-port", "0", "--tls-cert", bad, "--tls-key", bad],
             b"--tls-cert " + bad.encode()),
            ("a missing TLS certificate", ["--tls-port", "0", "--tls-cert", os.path.join(tmp, "nope"), "--tls-key", bad],
             b"No such file")):
        r = subprocess.run([args.server_bin, "--port", "0", "--admin-port", "0"] + flags, capture_output=True,
                           timeout=10)
        out = r.stdout + r.stderr
        ck.expect(r.returncode == 64 and want in out, f"{what}: exit {r.returncode}, {out[-200:]!r}")
        ck.expect(b"hunter2" not in out, f"{what}: the error quotes the file's secret")


def scenario(args, ck):
    open_server_warnings(args, ck)
    careless_operator(args, ck, fl.mkdtemp("baton-auth-bad-"))
    tmp = fl.mkdtemp("baton-auth-")
    tok = {k: new_token(args.server_bin) for k in ("alice", "bob", "watch", "jobs", "wrong")}
    ck.expect(len(set(tok.values())) == 5 and all(len(t) >= 40 for t in tok.values()), f"weak tokens: {tok}")
    h = {k: hash_token(args.server_bin, v) for k, v in tok.items()}
    ck.expect(all(v.startswith("sha256:") and len(v) == 71 for v in h.values()), f"hashes: {h}")
    auth = os.path.join(tmp, "auth")
    grants = [f"{h['alice']} member payroll alice-key",
              f"{h['bob']} member payroll,pay-* bob-key",
              f"{h['watch']} watcher payroll",
              f"{h['jobs']} member,watcher jobs-*"]
    write_auth(auth, grants)
    srv = fl.Server(args.server_bin, "--auth-file", auth, "--auth-fail-delay", "200ms", "--turn-numbers", "counter",
                    default_quotas=True)
    log0 = srv.log()
    ck.expect(b"auth: 4 grants" in log0, "the start-up log does not say auth is on")
    ck.expect(b"legacy clients (the seed's client.py) are refused" in log0, "no word on legacy clients under auth")

    alice = fl.Member(srv.port, "alice", ring="payroll", token=tok["alice"])
    bob = fl.Member(srv.port, "bob", ring="payroll", token=tok["bob"])
    watcher = fl.Watcher(srv.port, "w", ring="payroll", token=tok["watch"])
    for c in (alice, bob, watcher):
        c.start()
    ck.expect(fl.wait_turns([alice, bob], 50, 5), "honest members with tokens made no turns")

    cases = [
        ("no token", "HELLO 1 member payroll eve\n", b"ERROR AUTH_FAILED"),
        ("a wrong token", f"HELLO 1 member payroll eve {tok['wrong']}\n", b"ERROR AUTH_FAILED"),
        ("a token for another ring", f"HELLO 1 member payroll eve {tok['jobs']}\n", b"ERROR FORBIDDEN"),
        ("a watcher token joining as member", f"HELLO 1 member payroll eve {tok['watch']}\n", b"ERROR FORBIDDEN"),
        ("a member token joining as watcher", f"HELLO 1 watcher payroll eve {tok['alice']}\n", b"ERROR FORBIDDEN"),
        ("a member token for ring B", f"HELLO 1 member jobs-1 eve {tok['alice']}\n", b"ERROR FORBIDDEN"),
    ]
    for what, hello, want in cases:
        line, closed, _ = refused(srv.port, hello, source="127.0.0.3")
        ck.expect(line is not None and line.startswith(want) and closed, f"{what}: got {line!r}, closed={closed}")

    # A watcher token's connection can't send.
    p = fl.Peer(srv.port)
    fl.v1_hello(p, "watcher", "payroll", "w2", token=tok["watch"])
    p.send("SEND 1 forged\n")
    got = p.read_line(3)
    while got is not None and got.startswith(b"EVENT "):  # the ring goes on meanwhile
        got = p.read_line(3)
    ck.expect(got is not None and got.startswith(b"ERROR NOT_A_MEMBER"), f"a watcher's SEND: {got!r}")
    ck.expect(p.expect_close(3) is not None, "the watcher that sent was not closed")
    p.close()

    # The jobs token covers jobs-* (a glob), as member and watcher.
    j = fl.Peer(srv.port)
    ck.expect(fl.v1_hello(j, "member", "jobs-7", "j", token=tok["jobs"]).startswith(b"WELCOME"), "glob grant refused")
    j.close()

    # The seed's client can't carry a token: refused (no --legacy-ring), told nothing.
    s = fl.Peer(srv.port)
    s.read_line(3)
    probe = s.read_exact(2, 2)
    if probe == b"GO":
        s.send(b"Client1:1")
    ck.expect(s.expect_close(3) is not None, "a legacy client was let into a server with --auth-file")
    s.close()

    # Wrong tokens from one address slow that address down, not another.
    for _ in range(6):
        refused(srv.port, f"HELLO 1 member payroll eve {tok['wrong']}\n", source="127.0.0.4")
    _, _, slow = refused(srv.port, f"HELLO 1 member payroll eve {tok['wrong']}\n", source="127.0.0.4")
    _, _, fast = refused(srv.port, f"HELLO 1 member payroll eve {tok['wrong']}\n", source="127.0.0.5")
    ck.info(f"verdict after 7 failures from one address: {slow:.2f} s; from a fresh address: {fast:.2f} s")
    ck.expect(slow >= 1.0, f"the 8th wrong token from one address was answered in {slow:.2f} s: no slowdown")
    ck.expect(fast < 1.0, f"a fresh address was slowed down too ({fast:.2f} s)")

    # SIGHUP: bob's grant is withdrawn; alice and the watcher keep going.
    write_auth(auth, [g for g in grants if "bob-key" not in g])
    before = fl.grant_count([alice])
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not bob.dropped:
        time.sleep(0.05)
    ck.expect(bob.dropped and bob.reason is not None and "FORBIDDEN" in str(bob.reason),
              f"bob's withdrawn grant: dropped={bob.dropped} reason={bob.reason!r}")
    ck.expect(not alice.dropped and not watcher.dropped, f"a reload dropped a valid grant: {alice.reason} {watcher.reason}")
    # Alice is alone now (min members 2): the ring waits; she is still connected.
    ck.expect(fl.grant_count([alice]) >= before, "alice lost turns")
    b2 = fl.Peer(srv.port)
    b2.read_line(3)
    b2.send(f"HELLO 1 member payroll bob {tok['bob']}\n")
    got = b2.read_line(8)
    ck.expect(got is not None and got.startswith(b"ERROR AUTH_FAILED"), f"bob's removed token after reload: {got!r}")
    b2.close()

    # A broken file on reload keeps the old table.
    with open(auth, "a") as f:
        f.write("this-is-not-a-hash member payroll\n")
    srv.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    ck.expect(srv.alive(), "a broken auth file on reload killed the server")
    ck.expect(b"auth file not reloaded" in srv.log(), "a broken auth file on reload was not reported")
    ck.expect(not alice.dropped, "a broken auth file on reload dropped alice")

    log = srv.log()
    for name, t in tok.items():
        ck.expect(t.encode() not in log, f"token {name} appears in the server log")
    ck.expect(b"this-is-not-a-hash" not in log, "the reload error echoes the bad field (it may be a secret)")
    ck.expect(b"127.0.0.4" in log, "refusals are not logged with the peer address")
    for code in ("AUTH_FAILED", "FORBIDDEN"):
        n = srv.metric("baton_errors_sent_total", code=code)
        ck.expect(n is not None and n >= 1, f"baton_errors_sent_total{{code={code}}} is {n}")
    n = srv.metric("baton_connections_closed_total", reason="auth")
    ck.expect(n is not None and n >= 3, f"baton_connections_closed_total{{reason=auth}} is {n}")
    fl.stop_all([alice, watcher])
    srv.proc.send_signal(signal.SIGTERM)
    ck.expect(srv.proc.wait(5) == 0, "no clean exit")


if __name__ == "__main__":
    fl.main(scenario, limit=60)
