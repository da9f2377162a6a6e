#!/usr/bin/env python3
"""Admin actions (docs/ADMIN.md, "Actions"): POST /rings/NAME/<action>, seen
from the clients in the ring and from the admin API.

Without --auth-file (loopback): skip revokes the holder now; pause stops the
grants (members told) and resume restarts them; set changes the turn timeout
(the next GRANT carries it) and the minimum members; kick ends a member with
ERROR KICKED and its seat can't be resumed; drain refuses new members and
closes the ring's watchers once the last member left. Refusals: 404 no such
ring or member, 409 nothing to skip / not paused, 400 bad parameters, 405 a
GET. Every action is in the log with who did it and in the ring's history.
With --auth-file: no token and an unknown token 401, a watcher's or another
ring's admin token 403, the ring's admin token 200 (by its label)."""
import os
import shutil
import subprocess
import time

import faultlib as fl


def hash_token(server_bin, token):
    r = subprocess.run([server_bin, "--hash-token"], input=token.encode(), capture_output=True, timeout=10)
    return r.stdout.decode().strip()


def grant_of(m, timeout=3):
    return m.expect("GRANT ", timeout).split()


def open_server(args, ck):
    srv = fl.Server(args.server_bin, "--turn-timeout", "20s")
    a, b = fl.join(srv.port, "a", ring="r"), fl.join(srv.port, "b", ring="r")
    w = fl.V2(srv.port, "w", ring="r", role="watcher")
    g = grant_of(a)
    port = srv.admin_port

    st, j = fl.post(port, "/rings/r/skip")
    ck.expect(st == 200 and j.get("member") == "a" and j.get("turn") == int(g[1]), f"skip: {st} {j}")
    ck.expect(j.get("by", "").startswith("admin@127.0.0.1:"), f"skip's who: {j.get('by')}")
    ck.expect(a.expect("REVOKED ", 3) == f"REVOKED {g[1]}", "the skipped holder was not told REVOKED")
    gb = grant_of(b)
    ck.expect(int(gb[1]) > int(g[1]), "no grant after the skip")
    wn = w.next(3)
    ck.expect(wn is not None and wn.startswith("NOTICE MEMBER_SKIPPED a turn"), f"watcher saw {wn!r} for the skip")

    st, j = fl.post(port, "/rings/r/pause")
    ck.expect(st == 200, f"pause: {st} {j}")
    b.send(f"SEND {gb[1]} during-pause\n")
    ck.expect(b.expect("ACK ", 3) == f"ACK {gb[1]}", "the holder could not finish its turn in a paused ring")
    quiet = [m.next(0.6) for m in (a,)]
    ck.expect(not any(l and l.startswith("GRANT") for l in quiet), f"a grant in a paused ring: {quiet}")
    st, j = fl.post(port, "/rings/r/pause")
    ck.expect(st == 409, f"a second pause: {st}")
    detail = fl.get(port, "/rings/r")
    ck.expect(detail.get("paused") is True, f"/rings/r paused: {detail.get('paused')}")
    st, j = fl.post(port, "/rings/r/resume")
    ck.expect(st == 200, f"resume: {st} {j}")
    # a answered its PING revoked during the pause (back in the queue, behind b).
    ga = grant_of(b)
    st, j = fl.post(port, "/rings/r/resume")
    ck.expect(st == 409, f"resume of a running ring: {st}")

    st, j = fl.post(port, "/rings/r/set?turn_timeout=1500ms&min_members=1")
    ck.expect(st == 200 and j.get("turn_timeout_ms") == 1500 and j.get("min_members") == 1, f"set: {st} {j}")
    b.send(f"SEND {ga[1]} x\n")
    gb2 = grant_of(a)
    ck.expect(gb2[2] == "1500", f"the grant after set carries timeout {gb2[2]}, not 1500")
    for bad in ("/rings/r/set", "/rings/r/set?min_members=0", "/rings/r/set?turn_timeout=soon",
                "/rings/r/kick", "/rings/r/skip?x=1", "/rings/r/set?min_members=2&min_members=3"):
        st, j = fl.post(port, bad)
        ck.expect(st == 400, f"{bad}: {st} {j}")
    st, j = fl.post(port, "/rings/nosuch/skip")
    ck.expect(st == 404, f"skip in a missing ring: {st}")
    st, j = fl.post(port, "/rings/r/kick?member=nobody")
    ck.expect(st == 404, f"kick of a missing member: {st}")
    try:
        fl.get(port, "/rings/r/skip")
        ck.expect(False, "GET of an action was answered 200")
    except Exception as e:  # urllib raises HTTPError 405
        ck.expect(getattr(e, "code", None) == 405, f"GET of an action: {e}")

    st, j = fl.post(port, "/rings/r/kick?member=a")
    ck.expect(st == 200 and j.get("member") == "a", f"kick: {st} {j}")
    err = a.close_error(3)
    ck.expect(err is not None and err.startswith("ERROR KICKED"), f"the kicked member got {err!r}")
    back = fl.resume(srv.port, a)
    ck.expect(not back.resumed, "a kicked member resumed its seat")
    back.cut()

    st, j = fl.post(port, "/rings/r/drain")
    ck.expect(st == 200, f"drain: {st} {j}")
    late = fl.V2(srv.port, "late", ring="r")
    ck.expect(late.welcome.startswith("ERROR RING_DRAINING"), f"a new member of a draining ring got {late.welcome!r}")
    b.cut()
    time.sleep(0.1)
    # b had a session: its seat lingers for the grace, then the ring is empty and closes.
    err = w.close_error(8)
    ck.expect(err is not None and err.startswith("ERROR RING_DRAINING"), f"the drained ring's watcher got {err!r}")
    st, _ = fl.post(port, "/rings/r/skip")
    ck.expect(st == 404, f"the drained ring still exists ({st})")

    ck.expect(srv.metric("baton_admin_actions_total") == 6, f"baton_admin_actions_total is "
              f"{srv.metric('baton_admin_actions_total')}: 6 actions succeeded (the 409s and 404s do not count)")
    log = srv.log().decode()
    for what in ("skip in ring r: a turn", "pause in ring r", "resume in ring r", "set in ring r: turn_timeout_ms=1500",
                 "kick in ring r: a", "drain in ring r"):
        ck.expect(f"admin admin@127.0.0.1:" in log and what in log, f"not in the log: {what}")
    ck.info("open server: skip, pause, resume, set, kick, drain as documented")
    srv.stop()


def with_auth(args, ck):
    tmp = fl.mkdtemp("baton-admin-actions-")
    tokens = {"ops": "ops-token-" + "x" * 30, "viewer": "viewer-token-" + "y" * 30, "other": "other-token-" + "z" * 30}
    path = os.path.join(tmp, "auth")
    with open(path, "w") as f:
        f.write(f"{hash_token(args.server_bin, tokens['ops'])} admin r ops\n")
        f.write(f"{hash_token(args.server_bin, tokens['viewer'])} watcher,member r viewer\n")
        f.write(f"{hash_token(args.server_bin, tokens['other'])} admin elsewhere other\n")
    srv = fl.Server(args.server_bin, "--auth-file", path)
    a = fl.join(srv.port, "a", ring="r", extra=f"token={tokens['viewer']}")
    port = srv.admin_port
    st, _ = fl.post(port, "/rings/r/pause")
    ck.expect(st == 401, f"no token: {st}")
    st, _ = fl.post(port, "/rings/r/pause", token="not-a-known-token")
    ck.expect(st == 401, f"unknown token: {st}")
    st, _ = fl.post(port, "/rings/r/pause", token=tokens["viewer"])
    ck.expect(st == 403, f"a member/watcher token: {st}")
    st, _ = fl.post(port, "/rings/r/pause", token=tokens["other"])
    ck.expect(st == 403, f"another ring's admin token: {st}")
    st, j = fl.post(port, "/rings/r/pause", token=tokens["ops"])
    ck.expect(st == 200 and j.get("by") == "ops", f"the ring's admin token: {st} {j}")
    n = a.expect("NOTICE ", 3)
    ck.expect(n.startswith("NOTICE RING_PAUSED") and n.endswith("by ops"), f"member saw {n!r}")
    log = srv.log().decode()
    ck.expect(tokens["ops"] not in log and tokens["viewer"] not in log, "a token is in the log")
    ck.info("auth: 401 without or with an unknown token, 403 without admin on the ring, 200 for ops")
    srv.stop()


def from_elsewhere(args, ck):
    """Without --auth-file, an action from an address that is not loopback is
    403. The address: one of 198.18.0.0/15 on a veth of our own (this
    kernel has no dummy interfaces), local to this host."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        ck.info("skipped: needs root and `ip` for a non-loopback address")
        return
    dev, ip = f"bt-adm{os.getpid() % 10000}", f"198.18.{os.getpid() % 250 + 1}.77"
    if subprocess.run(["ip", "link", "add", dev, "type", "veth", "peer", "name", dev + "p"]).returncode != 0:
        ck.info("skipped: cannot make a veth pair")
        return
    fl.on_cleanup(lambda: subprocess.run(["ip", "link", "del", dev], stderr=subprocess.DEVNULL))
    subprocess.run(["ip", "addr", "add", f"{ip}/32", "dev", dev], check=True)
    for d in (dev, dev + "p"):
        subprocess.run(["ip", "link", "set", d, "up"], check=True)
    srv = fl.Server(args.server_bin, host="0.0.0.0")
    a, b = fl.join(srv.port, "a", ring="r"), fl.join(srv.port, "b", ring="r")
    st, j = fl.post(srv.admin_port, "/rings/r/pause", host=ip)
    ck.expect(st == 403, f"an action from {ip} without --auth-file: {st} {j}")
    st, j = fl.post(srv.admin_port, "/rings/r/pause")
    ck.expect(st == 200, f"the same action from loopback: {st} {j}")
    ck.info(f"from {ip}: 403; from 127.0.0.1: 200")
    srv.stop()


def scenario(args, ck):
    for s in (open_server, with_auth, from_elsewhere):
        ck.info(f"-- {s.__name__}")
        s(args, ck)


if __name__ == "__main__":
    fl.main(scenario, limit=80)
