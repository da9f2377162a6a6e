#!/usr/bin/env python3
"""Scenario 2: sockets the peer closed must not linger in CLOSE-WAIT.

With legacy detection off (--legacy-after 0) and --hello-timeout 500ms, 300
silent connections are opened; half are closed by the client at once (while
the server waits for HELLO), half after the server's HELLO_TIMEOUT ERROR.
Within a few seconds the server's descriptor count must be back at its
baseline and no socket on its port may sit in CLOSE-WAIT (a leak that, over
time, exhausts descriptors and locks everyone out)."""
import time

import faultlib as fl


def scenario(args, ck):
    fl.raise_own_nofile(4096)
    srv = fl.Server(args.server_bin, "--legacy-after", "0", "--hello-timeout", "500ms")
    time.sleep(0.2)
    base = srv.fd_count()
    ck.info(f"baseline: {base} descriptors")
    peers = [fl.Peer(srv.port) for _ in range(300)]
    time.sleep(0.2)
    opened = srv.fd_count()
    ck.info(f"with 300 silent connections: {opened} descriptors")
    for p in peers[:150]:           # gone before the hello timeout
        p.close()
    time.sleep(0.8)                 # the rest got ERROR HELLO_TIMEOUT by now
    for p in peers[150:]:
        p.close()
    end = time.monotonic() + 5.0
    fds, states = None, None
    while time.monotonic() < end:
        fds, states = srv.fd_count(), fl.tcp_states(srv.port)
        if fds <= base + 2 and states.get("08", 0) == 0:
            break
        time.sleep(0.1)
    ck.expect(fds <= base + 2, f"descriptors not back to baseline 5 s after the peers closed: {fds} (baseline {base})")
    ck.expect(states.get("08", 0) == 0, f"{states.get('08', 0)} sockets on the server's port still in CLOSE-WAIT")
    # The same after the legacy probe (default --legacy-after) and after an ERROR
    # to a v1 client that said HELLO: the peer's close must always be noticed.
    srv2 = fl.Server(args.server_bin, "--hello-timeout", "500ms", "--min-members", "1000")
    time.sleep(0.2)
    base2 = srv2.fd_count()
    probed = [fl.Peer(srv2.port) for _ in range(100)]
    erred = []
    for i in range(100):
        p = fl.Peer(srv2.port)
        fl.v1_hello(p, "member", "cw", f"m{i}")
        p.send(b"NONSENSE\n")
        erred.append(p)
    time.sleep(0.6)                  # the silent ones got their probe by now
    for p in probed + erred:
        p.close()
    end = time.monotonic() + 5.0
    while time.monotonic() < end:
        fds2, states2 = srv2.fd_count(), fl.tcp_states(srv2.port)
        if fds2 <= base2 + 2 and states2.get("08", 0) == 0:
            break
        time.sleep(0.1)
    ck.expect(fds2 <= base2 + 2, f"probed/errored peers: descriptors {fds2} 5 s after they closed (baseline {base2})")
    ck.expect(states2.get("08", 0) == 0, f"probed/errored peers: {states2.get('08', 0)} sockets in CLOSE-WAIT")
    ck.expect(srv2.stop() == 0, "second server did not exit 0 on SIGTERM")
    # And it still greets.
    p = fl.Peer(srv.port)
    ck.expect(p.read_line(2.0) == b"BATON 1", "no greeting for a new client afterwards")
    p.close()
    rc = srv.stop()
    ck.expect(rc == 0, f"server did not exit 0 on SIGTERM: {rc}")


if __name__ == "__main__":
    fl.main(scenario, limit=30)
