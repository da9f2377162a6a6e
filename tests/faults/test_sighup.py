#!/usr/bin/env python3
"""Scenario 12: SIGHUP (a closed terminal, a careless `kill -HUP`) must not kill
the server. Two members run; SIGHUP is sent twice; the server keeps serving
(greets a new client), the members are never dropped and keep turning, and
SIGTERM still drains it with exit 0."""
import signal
import time

import faultlib as fl


def scenario(args, ck):
    srv = fl.Server(args.server_bin)
    members = fl.start_members(srv.port, ["alice", "bob"])
    fl.wait_turns(members, 50, 3)
    for _ in range(2):
        srv.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
    ck.expect(srv.alive(), f"the server died of SIGHUP (exit {srv.proc.returncode})")
    ck.expect(fl.wait_turns(members, 100, 3), "the ring stopped after SIGHUP")
    try:
        p = fl.Peer(srv.port)
        g = p.read_line(2)
        p.close()
    except (OSError, fl.Closed) as e:
        g = repr(e)
    ck.expect(g == b"BATON 1", f"no greeting after SIGHUP: {g!r}")
    fl.finish(ck, members, srv)


if __name__ == "__main__":
    fl.main(scenario, limit=30)
