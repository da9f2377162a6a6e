#!/usr/bin/env python3
"""Scenario 7: heartbeats keep live clients and drop frozen ones.

Server: --heartbeat 200ms --idle-timeout 600ms. For about 4 s (many idle
timeouts):
  - `baton-client --watch` on ring w5, where two members make 5 turns/s,
  - `baton-client` member of ring default with --interval 1s (it sleeps 1 s
    after each send, longer than the idle timeout),
must stay connected: the server pings quiet v1 clients and baton-client
answers and pings on its own. A baton-client that is SIGSTOPped must be
dropped (ERROR IDLE_TIMEOUT) within ~1.5 s; after SIGCONT (2.5 s later, when
the server has closed the socket for good) it must exit 70
and say IDLE_TIMEOUT on stderr, not "Broken pipe"."""
import re
import signal
import time

import faultlib as fl


def scenario(args, ck):
    srv = fl.Server(args.server_bin, "--heartbeat", "200ms", "--idle-timeout", "600ms")
    ring5 = fl.start_members(srv.port, ["p1", "p2"], ring="w5", interval=0.2)    # 5 turns/s
    watch = fl.ClientProc(args.client_bin, srv.port, "--watch", "--ring", "w5", "--name", "watch5")
    slow = fl.ClientProc(args.client_bin, srv.port, "--name", "slowpoke", "--interval", "1s")
    partner, = fl.start_members(srv.port, ["partner"])                          # slowpoke's ring partner
    fzp, = fl.start_members(srv.port, ["fzp"], ring="fz")                     # frozen's ring partner
    # --no-reconnect: this is about the server dropping it; a client that
    # comes back and resumes its seat is tests/client's and faults.sessions'.
    frozen = fl.ClientProc(args.client_bin, srv.port, "--name", "frozen", "--ring", "fz", "--interval", "0.1",
                           "--no-reconnect")
    time.sleep(4.0)
    for c, name in ((watch, "watcher"), (slow, "member --interval 1s")):
        ck.expect(c.proc.poll() is None, f"the live baton-client {name} exited {c.proc.returncode}: "
                                         f"{c.err().strip()[:200]}")
    log = srv.log()
    for name in (b"watch5", b"slowpoke"):
        ck.expect(not re.search(rb"^" + name + rb" (dropped|left)", log, re.M),
                  f"{name.decode()} was dropped or left: "
                  f"{re.findall(rb'^' + name + rb' (?:dropped|left).*$', log, re.M)[:1]}")
    watched = len(re.findall(r"\(turn \d+\)", watch.out()))
    ck.info(f"watcher printed {watched} events; slowpoke sent {len(re.findall(r'sent', slow.out()))}")
    ck.expect(watched >= 10, f"the watcher printed only {watched} events in 4 s at 5 turns/s")
    # Freeze one.
    ck.expect(re.search(rb"^frozen joined", srv.log(), re.M), "frozen did not join")
    mark = len(srv.log())
    t0 = time.monotonic()
    frozen.proc.send_signal(signal.SIGSTOP)
    m = srv.wait_log(rb"frozen(?: left|'s connection to ring fz dropped)[^\n]*", 3.0, after=mark)
    took = time.monotonic() - t0
    ck.info(f"frozen: {m.group(0) if m else 'not dropped'} after {took:.2f} s")
    ck.expect(m is not None and took <= 1.5, f"a SIGSTOPped baton-client was not dropped within 1.5 s "
                                             f"({'after %.2f s' % took if m else 'not within 3 s'})")
    time.sleep(2.5)                  # past the server's 2 s error linger: it has closed for good
    frozen.proc.send_signal(signal.SIGCONT)
    rc = frozen.wait(5)
    err = frozen.err()
    ck.info(f"frozen after SIGCONT: exit {rc}, stderr {err.strip()[:160]!r}")
    ck.expect(rc == 70, f"SIGCONTed baton-client exited {rc}, expected 70")
    ck.expect("IDLE_TIMEOUT" in err and "Broken pipe" not in err,
              f"SIGCONTed baton-client does not report IDLE_TIMEOUT: {err.strip()[:200]!r}")
    watch.kill()
    slow.kill()
    fl.stop_all(ring5, [partner, fzp])
    rc = srv.stop()
    fl.check_honest(ck, ring5 + [partner, fzp], srv)
    ck.expect(rc == 0, f"server did not exit 0 on SIGTERM: {rc}")


if __name__ == "__main__":
    fl.main(scenario, limit=30)
