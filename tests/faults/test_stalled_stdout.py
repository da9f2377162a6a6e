#!/usr/bin/env python3
"""Scenario 9: a stalled stdout never stops the server.

The server's stdout is a pipe that the test stops reading once the listening
(and admin) lines are in. Two baton-client members then take 20,000 turns
each: 40,000 turn lines (~800 KB) are more than the 64 KiB pipe, the logger's
256 KiB buffer and its 8,192-slot queue together, so lines must be dropped. They must exit
0 quickly, /livez must answer (when the admin port is known from the log), a
new client must be greeted; and once the pipe is read again, a warning that
log lines were dropped must appear."""
import re
import socket
import time

import faultlib as fl


def livez(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    try:
        s.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return s.recv(200)
    finally:
        s.close()


def scenario(args, ck):
    srv = fl.Server(args.server_bin, stdout_pipe=True)
    ck.info(f"port {srv.port}, admin port {srv.admin_port}; no longer reading the server's stdout")
    clients = [fl.ClientProc(args.client_bin, srv.port, "--name", n, "--count", "20000", "--interval", "0",
                             "--quiet") for n in ("alpha", "beta")]
    # A blocked logger would stop the turns for good; a sanitized build is
    # just slower (it does 40,000 turns in about 10 s on 2 cores), so it gets longer.
    budget = 30 if fl.SANITIZED else 10
    t0 = time.monotonic()
    rcs = [c.wait(max(0.1, budget - (time.monotonic() - t0))) for c in clients]
    took = time.monotonic() - t0
    ck.info(f"members: exit codes {rcs} after {took:.1f} s")
    ck.expect(rcs == [0, 0], f"members did not finish 20000 turns each within {budget} s with stdout stalled: "
                             f"exit codes {rcs}")
    if srv.admin_port:
        try:
            head = livez(srv.admin_port)
            ck.expect(head.startswith(b"HTTP/1.1 200"), f"/livez while stdout is stalled: {head[:40]!r}")
        except OSError as e:
            ck.expect(False, f"/livez while stdout is stalled: {e}")
    else:
        ck.info("admin port unknown (no `admin HTTP on` line): /livez not checked")
    try:
        p = fl.Peer(srv.port)
        g = p.read_line(2.0)
        p.close()
    except (OSError, fl.Closed) as e:
        g = repr(e)
    ck.expect(g == b"BATON 1", f"a new client was not greeted while stdout is stalled: {g!r}")
    # Read the pipe again: the server must say it dropped lines.
    end = time.monotonic() + 5
    seen = None
    while time.monotonic() < end and not seen:
        seen = re.search(rb"[^\n]*log lines dropped[^\n]*", srv.pipe_read(0.2))
    ck.info(f"after reading again: {seen.group(0) if seen else 'no dropped-lines warning'}")
    ck.expect(seen is not None, "no `log lines dropped` warning once the pipe was read again")
    for c in clients:
        c.kill()
    rc = srv.stop()
    ck.expect(rc == 0, f"server did not exit 0 on SIGTERM: {rc}")


if __name__ == "__main__":
    fl.main(scenario, limit=60)
