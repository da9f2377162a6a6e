#!/usr/bin/env python3
"""Scenario 10: kill -9 loses no acknowledged send older than ~100 ms.

Server stdout goes to a file. alice takes 2,000 acked turns with bob; 200 ms
after alice's last ACK the server is SIGKILLed. Every turn either member had
ACKed must be in the file as `NAME sent: PAYLOAD` (an accepted send is in the
log within about 100 ms). The server runs with --journal (a directory it
creates); restarted on it after the kill, it continues above every acked turn."""
import os
import re
import signal
import time

import faultlib as fl


def scenario(args, ck):
    journal = os.path.join(fl.mkdtemp("baton-kill9-"), "journal")
    srv = fl.Server(args.server_bin, "--journal", journal)
    bob, = fl.start_members(srv.port, ["bob"])
    alice = fl.Member(srv.port, "alice", count=2000)
    alice.start()
    ck.expect(alice.finished.wait(20), "alice did not finish 2000 turns in 20 s")
    bob.stop()
    time.sleep(0.2)
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait()
    ck.info(f"alice acked {len(alice.acks)}, bob acked {len(bob.acks)}")
    ck.expect(len(alice.acks) == 2000, f"alice got {len(alice.acks)} ACKs, expected 2000")
    counts = srv.sent_counts()
    lost = [(m.name, p) for m in (alice, bob) for _, p in m.acks if counts.get((m.name, p), 0) == 0]
    ck.expect(not lost, f"{len(lost)} acked sends are not in the log after kill -9 "
                        f"(e.g. {lost[-3:]}); the last ack was 200 ms before the kill")
    fl.check_honest(ck, [alice, bob])
    ck.expect(not [1 for m in (alice, bob) for _, p in m.acks if counts.get((m.name, p), 0) > 1],
              "some acked send is logged more than once")
    again = fl.Server(args.server_bin, "--journal", journal)
    m = re.search(rb"turn numbers continue above (\d+)", again.log())
    top = max(t for mem in (alice, bob) for t, _ in mem.acks)
    ck.expect(m is not None and int(m.group(1)) >= top,
              f"after kill -9 the journal's floor is {m and m.group(1)}, below the last acked turn {top}")


if __name__ == "__main__":
    fl.main(scenario, limit=30)
