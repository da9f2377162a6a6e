#!/usr/bin/env python3
"""Real baton-clients whose connections are cut under them (issue
"Sessions", item 6): two members take turns flat out through a proxy that
resets every connection through it every 150-400 ms, at whatever point each
client is (waiting, holding, just after a SEND whose ACK is in flight). The
server keeps a journal and the default --resume-grace.

- each client resumes its seat by itself (its stderr says so) and its printed
  numbers are exactly its sequence, none skipped, none twice;
- the journal holds every number exactly once: nothing acked was lost and
  nothing was sent twice;
- turn numbers in the journal strictly increase."""
import collections
import os
import random
import re
import subprocess
import time

import faultlib as fl

COUNT = 150


def scenario(args, ck):
    journal = os.path.join(fl.mkdtemp("baton-cut-"), "journal")
    srv = fl.Server(args.server_bin, "--journal", journal, "--turn-numbers", "counter")
    proxy = fl.CutProxy(srv.port)
    common = ["--interval", "0.005", "--count", str(COUNT), "--reconnect-max-delay", "200ms"]
    clients = [fl.ClientProc(args.client_bin, proxy.port, "--name", "Client1", *common),
               fl.ClientProc(args.client_bin, proxy.port, "--name", "Client2", "--start", "2", *common)]
    rnd = random.Random(12)
    deadline = time.monotonic() + 50
    while time.monotonic() < deadline and any(c.proc.poll() is None for c in clients):
        time.sleep(rnd.uniform(0.15, 0.4))
        proxy.cut()
    rcs = [c.proc.poll() for c in clients]
    ck.expect(rcs == [0, 0], f"clients exited {rcs}: {[c.err()[-400:] for c in clients]}")
    resumed = sum(c.err().count("resumed") for c in clients)
    ck.info(f"{proxy.cuts} connections cut; {resumed} resumes; "
            f"{sum(c.err().count('rejoined') for c in clients)} rejoins")
    ck.expect(proxy.cuts >= 10 and resumed >= 5, f"too few cuts ({proxy.cuts}) or resumes ({resumed}) to mean much")
    for i, c in enumerate(clients):
        printed = [int(x) for x in re.findall(r"^Client\d sent: (\d+)$", c.out(), re.M)]
        want = [i + 1 + 2 * k for k in range(COUNT)]
        ck.expect(printed == want, f"Client{i + 1} printed {len(printed)} numbers, not its sequence: "
                                   f"first difference at {next((k for k, (a, b) in enumerate(zip(printed, want)) if a != b), len(printed))}")
    srv.stop()
    tool = os.path.join(os.path.dirname(os.path.dirname(args.server_bin)), "baton-journal", "baton-journal")
    dump = subprocess.run([tool, "dump", journal], capture_output=True, timeout=30).stdout
    records = re.findall(rb" S default (\d+) (Client\d) (\d+)$", dump, re.M)
    count = collections.Counter((n, p) for _, n, p in records)
    twice = [k for k, v in count.items() if v > 1]
    ck.expect(not twice, f"sent twice: {twice[:5]}")
    for i in (1, 2):
        missing = [i + 2 * k for k in range(COUNT) if count[(f"Client{i}".encode(), str(i + 2 * k).encode())] != 1]
        ck.expect(not missing, f"Client{i}: numbers not in the journal once: {missing[:5]}")
    turns = [int(t) for t, _, _ in records]
    ck.expect(all(a < b for a, b in zip(turns, turns[1:])), "journal turn numbers do not strictly increase")


if __name__ == "__main__":
    fl.main(scenario, limit=80)
