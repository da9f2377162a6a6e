#!/usr/bin/env python3
"""Scenario 8: a revoked v1 member is not granted again until it is heard from.

--turn-timeout 300ms, two flat-out members and a baton-client `sleeper`
that is SIGSTOPped for 4 s. The ring may spend one turn timeout on the
sleeper (REVOKED, then a PING), not one per round: the log has at most 2
`sleeper revoked` lines, and the other two keep turning (several hundred
turns). After SIGCONT the sleeper answers and takes turns again."""
import re
import signal
import time

import faultlib as fl


def scenario(args, ck):
    srv = fl.Server(args.server_bin, "--turn-timeout", "300ms")
    members = fl.start_members(srv.port, ["alice", "bob"])
    sleeper = fl.ClientProc(args.client_bin, srv.port, "--name", "sleeper", "--interval", "0")
    end = time.monotonic() + 3
    while "sleeper sent" not in sleeper.out() and time.monotonic() < end:
        time.sleep(0.05)
    ck.expect("sleeper sent" in sleeper.out(), f"sleeper never took a turn: {sleeper.err()[:200]}")
    sleeper.proc.send_signal(signal.SIGSTOP)
    before_stop = sleeper.out().count("sent")
    t0 = time.monotonic()
    time.sleep(4.0)
    t1 = time.monotonic()
    honest = sum(1 for m in members for _, t in m.grants if t0 <= t <= t1)
    sleeper.proc.send_signal(signal.SIGCONT)
    time.sleep(1.5)
    after = sleeper.out().count("sent") - before_stop
    log = srv.log()
    revoked = len(re.findall(rb"^sleeper revoked", log, re.M))
    ck.info(f"sleeper revoked {revoked} times in 4 s; honest turns {honest}; sleeper turns after SIGCONT {after}")
    ck.expect(revoked <= 2, f"sleeper was revoked {revoked} times while stopped (granted again each round)")
    ck.expect(honest >= 400, f"the two honest members took only {honest} turns in 4 s")
    ck.expect(after >= 1, "sleeper took no turn within 1.5 s of SIGCONT")
    ck.expect(sleeper.proc.poll() is None, f"sleeper exited {sleeper.proc.returncode}: {sleeper.err()[:200]}")
    sleeper.kill()
    fl.finish(ck, members, srv)


if __name__ == "__main__":
    fl.main(scenario, limit=30)
