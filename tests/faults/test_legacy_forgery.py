#!/usr/bin/env python3
"""Scenario 6: a legacy connection must not speak for someone else.

v1 members alice and bob take turns in ring default, a v1 watcher watches.
Strangers answer their `GO` probe with
  - `alice:99`  (a name a live v1 member holds)       -> closed, nothing logged,
  - `bad name:1` (not [A-Za-z0-9._-]{1,64})           -> closed, nothing logged,
  - `Mallory:1`, then at Mallory's next GO `Eve:5`    -> closed, no `Eve sent`.
The honest members and the watcher are never dropped and see nothing forged."""
import re
import time

import faultlib as fl


def probe(port):
    p = fl.Peer(port)
    p.read_line(2)                   # greeting
    go = p.read_exact(2, 3.0)        # the probe, 300 ms later (today: only when granted)
    return p, go


def scenario(args, ck):
    srv = fl.Server(args.server_bin)
    members = fl.start_members(srv.port, ["alice", "bob"], interval=0.002)
    watcher = fl.Watcher(srv.port, "w")
    watcher.start()
    watcher.joined.wait(3)
    fl.wait_turns(members, 20, 3)
    for label, answer in (("forged alice", b"alice:99"), ("bad name", b"bad name:1")):
        p, go = probe(srv.port)
        ck.expect(go == b"GO", f"{label}: expected the GO probe, got {go!r}")
        if go == b"GO":
            p.send(answer)
            ck.expect(p.expect_close(2.0) is not None, f"{label}: connection not closed after answering {answer!r}")
        p.close()
    m, go = probe(srv.port)
    ck.expect(go == b"GO", f"Mallory: expected the GO probe, got {go!r}")
    mallory_second_go = None
    if go == b"GO":
        m.send(b"Mallory:1")
        try:
            mallory_second_go = m.read_exact(2, 3.0)   # its next turn
        except fl.Closed as e:
            mallory_second_go = f"closed ({e})"
        ck.expect(mallory_second_go == b"GO", f"Mallory: no GO for its next turn: {mallory_second_go!r}")
        if mallory_second_go == b"GO":
            m.send(b"Eve:5")
            ck.expect(m.expect_close(2.0) is not None, "Mallory: not closed after answering as Eve")
    m.close()
    time.sleep(0.3)
    ck.expect(fl.wait_turns(members, 20, 3), "the ring is not moving after the forgeries")
    watcher.stop()
    fl.stop_all(members)
    rc = srv.stop()
    log = srv.log()
    ck.expect(not re.search(rb"^alice sent: 99$", log, re.M), "the log has `alice sent: 99`, forged by a stranger")
    ck.expect(not re.search(rb"^Eve sent", log, re.M), "the log has `Eve sent`, forged by Mallory")
    ck.expect(not re.search(rb"^bad name sent", log, re.M), "the log has `bad name sent`")
    forged = [e for e in watcher.events if e[2] in (b"99", b"5") or e[1] in ("Eve", "bad name")]
    ck.expect(not forged, f"the watcher saw forged events: {forged[:3]}")
    mine = [e for e in watcher.events if e[1] == "Mallory"]
    ck.info(f"watcher saw {len(watcher.events)} events, Mallory's: {mine[:2]}")
    fl.check_honest(ck, members, srv, [watcher])
    ck.expect(rc == 0, f"server did not exit 0 on SIGTERM: {rc}")


if __name__ == "__main__":
    fl.main(scenario, limit=30)
