#!/usr/bin/env python3
"""Clients through a server restart (issue "Sessions", item 6): two real
baton-client processes take turns flat out against a server with --journal;
the server is stopped (SIGTERM: SHUTDOWN, then exit) and, in a second run,
killed (SIGKILL: no goodbye at all), and started again on the same port and
journal while the clients keep trying. Each client reconnects by itself and
carries on. Afterwards:

- every number each client printed is its sequence (start, start+step, ...)
  with none skipped and none twice;
- every number is in the journal exactly once (and in the servers' logs at
  most once: a SIGKILL loses log lines still queued for stdout): a send whose
  ACK was lost with the old server is resent only if the journal says it was
  not committed (SESSION's last_turn), so nothing is doubled or lost;
- (turn numbers across the restart are checked by faults.kill9_acked and
  Process.TurnNumbersContinueAfterRestartWithJournal)."""
import collections
import os
import re
import signal
import socket
import subprocess
import time

import faultlib as fl

COUNT = 60


def scenario_for(args, ck, how):
    journal = os.path.join(fl.mkdtemp("baton-restart-"), "journal")
    flags = ["--journal", journal, "--turn-numbers", "counter", "--resume-grace", "2s"]
    # A fixed port from the start: the restarted server must bind it again
    # while the old one's connections are in TIME_WAIT, which only works for
    # sockets that had SO_REUSEADDR (the server sets it for a fixed port,
    # never for --port 0). The kernel names a free one; another process may
    # take it before us (rare), so a few tries.
    for _ in range(5):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        try:
            srv = fl.Server(args.server_bin, *flags, port=port)
            break
        except RuntimeError:
            continue
    common = ["--interval", "0.02", "--count", str(COUNT), "--reconnect-max-delay", "300ms"]
    clients = [fl.ClientProc(args.client_bin, port, "--name", "Client1", *common),
               fl.ClientProc(args.client_bin, port, "--name", "Client2", "--start", "2", *common)]
    ck.expect(srv.wait_log(rb"Client2 sent: 20\n", 10) is not None, f"{how}: no turns before the restart")
    if how == "kill":
        srv.proc.kill()
    else:
        srv.proc.send_signal(signal.SIGTERM)
    srv.proc.wait(5)
    first_log = srv.log()
    time.sleep(0.3)
    # The same port (the clients know only it) and the same journal.
    srv2 = fl.Server(args.server_bin, *flags, port=port)
    for c in clients:
        try:
            c.proc.wait(30)
        except Exception:
            pass
    rcs = [c.proc.poll() for c in clients]
    ck.expect(rcs == [0, 0], f"{how}: clients exited {rcs}; stderr: {[c.err()[-300:] for c in clients]}")
    second_log = srv2.log()
    for i, c in enumerate(clients):
        start = i + 1
        printed = [int(x) for x in re.findall(r"^Client\d sent: (\d+)$", c.out(), re.M)]
        want = [start + 2 * k for k in range(COUNT)]
        ck.expect(printed == want, f"{how}: Client{start} printed {printed[:5]}...{printed[-5:]} "
                                   f"({len(printed)} numbers), want {want[:3]}...{want[-3:]}")
    # The truth is the journal (a SIGKILL loses the log lines still queued
    # for stdout, never a synced record): baton-journal dump, S records.
    tool = os.path.join(os.path.dirname(os.path.dirname(args.server_bin)), "baton-journal", "baton-journal")
    dump = subprocess.run([tool, "dump", journal], capture_output=True, timeout=30).stdout
    sent = collections.Counter(b"%s sent: %s" % (n, p) for n, p in
                               re.findall(rb" S default \d+ (Client\d) (\d+)$", dump, re.M))
    logged = collections.Counter(re.findall(rb"^(Client\d sent: \d+)$", first_log + second_log, re.M))
    ck.expect(all(n == 1 for n in logged.values()), f"{how}: a send logged twice")
    doubled = [k.decode() for k, n in sent.items() if n > 1]
    ck.expect(not doubled, f"{how}: sent twice across the restart: {doubled[:5]}")
    for i in (1, 2):
        for k in range(COUNT):
            line = f"Client{i} sent: {i + 2 * k}".encode()
            if sent[line] != 1:
                ck.expect(False, f"{how}: {line.decode()!r} is in the logs {sent[line]} times")
                break
    ck.info(f"{how}: {sum(sent.values())} sends across two lives, none doubled; reconnect lines: "
            f"{sum(c.err().count('reconnected') for c in clients)}")
    srv2.stop()


def scenario(args, ck):
    for how in ("term", "kill"):
        ck.info(f"-- {how}")
        scenario_for(args, ck, how)


if __name__ == "__main__":
    fl.main(scenario, limit=85)
