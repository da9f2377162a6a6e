#!/usr/bin/env python3
"""Scenario 13: a legacy message over 1024 bytes closes the connection and
logs nothing. The stranger takes its `GO` probe and answers `Client1:` with
1,100 digits; two honest v1 members keep running and are never dropped."""
import re
import time

import faultlib as fl


def scenario(args, ck):
    srv = fl.Server(args.server_bin)
    members = fl.start_members(srv.port, ["alice", "bob"], interval=0.002)
    fl.wait_turns(members, 20, 3)
    p = fl.Peer(srv.port)
    p.read_line(2)
    go = p.read_exact(2, 3.0)
    ck.expect(go == b"GO", f"expected the GO probe, got {go!r}")
    if go == b"GO":
        p.send(b"Client1:" + b"7" * 1100)
        ck.expect(p.expect_close(2.0) is not None, "not closed after a 1108-byte legacy message")
    p.close()
    time.sleep(0.3)
    ck.expect(fl.wait_turns(members, 20, 3), "the ring is not moving afterwards")
    fl.stop_all(members)
    rc = srv.stop()
    ck.expect(not re.search(rb"^Client1 sent", srv.log(), re.M), "the oversize message (or part of it) was logged")
    fl.check_honest(ck, members, srv)
    ck.expect(rc == 0, f"server did not exit 0 on SIGTERM: {rc}")


if __name__ == "__main__":
    fl.main(scenario, limit=30)
