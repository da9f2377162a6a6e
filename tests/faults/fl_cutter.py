"""A TCP proxy that cuts every connection through it on command: both sides
get a reset, as when a NAT box or a load balancer drops its state. Used to
make real clients lose their connections at moments they don't choose."""
import socket
import struct
import threading

from fl_plumbing import on_cleanup


class CutProxy:
    """Forwards 127.0.0.1:<port> to 127.0.0.1:<upstream_port>; cut() resets every connection."""

    def __init__(self, upstream_port):
        self.up = upstream_port
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(64)
        self.port = self.lsock.getsockname()[1]
        self.lock = threading.Lock()
        self.pairs = []
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()
        on_cleanup(self.close)

    def _accept(self):
        while True:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            try:
                u = socket.create_connection(("127.0.0.1", self.up), timeout=3)
                u.settimeout(None)
            except OSError:
                c.close()
                continue
            with self.lock:
                self.pairs.append((c, u))
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a, b):
        while True:
            try:
                data = a.recv(65536)
                if not data:
                    b.shutdown(socket.SHUT_WR)
                    return
                b.sendall(data)
            except OSError:
                return

    def cut(self):
        """Every connection now: both ends lose it (FIN, then RST for what is
        unread); nothing in flight is delivered."""
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for s in pair:
                # shutdown() first: a close() alone does not wake the pump
                # thread blocked in recv() on it, and the socket would live on
                # (its descriptor reused by the next accept). Then close with
                # linger 0: a reset for whatever is still unread.
                try:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                try:
                    s.close()
                except OSError:
                    pass
        self.cuts += len(pairs)

    def close(self):
        self.cut()
        try:
            self.lsock.close()
        except OSError:
            pass


__all__ = ["CutProxy"]
