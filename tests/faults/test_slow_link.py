#!/usr/bin/env python3
"""Scenario 5: a v1 client on a slow link (400 ms and 2 s round trip) must join
as v1. Its HELLO reaches the server long after --legacy-after (300 ms), so
the server may already have sent its `GO` probe; a HELLO line within
--hello-timeout still means v1 (the client ignores the GO).

A python TCP proxy delays every chunk by 200 ms (resp. 1 s) each way.
`baton-client --count 3 --interval 0` goes through it while another member
is connected directly: it must exit 0, join as v1, and its 3 sends and the
direct member's acked sends must all be in the log. Also raw: HELLO sent 1 s
after the greeting gets WELCOME (possibly preceded by the bytes `GO`)."""
import queue
import re
import socket
import threading
import time

import faultlib as fl


class DelayProxy:
    """Forwards 127.0.0.1:<port> to the server, holding every chunk `delay` s each way."""

    def __init__(self, upstream_port, delay):
        self.up, self.delay = upstream_port, delay
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.socks = []
        threading.Thread(target=self._accept, daemon=True).start()
        fl.on_cleanup(self.close)

    def _accept(self):
        while True:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            u = socket.create_connection(("127.0.0.1", self.up))
            self.socks += [c, u]
            for a, b in ((c, u), (u, c)):
                q = queue.Queue()
                threading.Thread(target=self._read, args=(a, q), daemon=True).start()
                threading.Thread(target=self._write, args=(b, q), daemon=True).start()

    def _read(self, s, q):
        while True:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            q.put((time.monotonic() + self.delay, data))
            if not data:
                return

    def _write(self, s, q):
        while True:
            due, data = q.get()
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                if not data:
                    s.shutdown(socket.SHUT_WR)
                    return
                s.sendall(data)
            except OSError:
                return

    def close(self):
        for s in [self.lsock] + self.socks:
            try:
                s.close()
            except OSError:
                pass


def scenario(args, ck):
    srv = fl.Server(args.server_bin)
    direct, = fl.start_members(srv.port, ["direct"], interval=0.01)
    clients = {}
    for name, delay in (("slow200", 0.2), ("slow1000", 1.0)):
        proxy = DelayProxy(srv.port, delay)
        clients[name] = fl.ClientProc(args.client_bin, proxy.port, "--name", name, "--count", "3",
                                      "--interval", "0", "--quiet")
    # Raw, directly: the greeting, then HELLO 1 s later.
    raw = fl.Peer(srv.port)
    ck.expect(raw.read_line(2) == b"BATON 1", "raw: no greeting")
    time.sleep(1.0)
    raw.send(b"HELLO 1 watcher rawring raw\n")
    try:
        got = raw.read_until(b"\n", 3.0)
    except fl.Closed as e:
        got = f"connection closed ({e})".encode()
    ck.info(f"raw HELLO after 1 s: got {got!r}")
    ck.expect(got is not None and re.fullmatch(rb"(GO)?WELCOME rawring raw \d+", got),
              f"raw HELLO 1 s after the greeting: expected [GO]WELCOME, got {got!r}")
    raw.close()
    for name, c in clients.items():
        rc = c.wait(20)
        ck.expect(rc == 0, f"{name} (via proxy) exited {rc}: {c.err().strip()[:200]}")
    direct.stop()
    rc = srv.stop()
    log = srv.log()
    for name in clients:
        ck.expect(re.search(rb"^" + name.encode() + rb" joined ring default as member \(v1[ )]", log, re.M),
                  f"{name} did not join as a v1 member")
        sends = re.findall(rb"^" + name.encode() + rb" sent: (\d+)$", log, re.M)
        ck.expect(sends == [b"1", b"3", b"5"], f"{name}: logged sends {sends}, expected 1, 3, 5")
    fl.check_honest(ck, [direct], srv)
    ck.expect(rc == 0, f"server did not exit 0 on SIGTERM: {rc}")


if __name__ == "__main__":
    fl.main(scenario, limit=40)
