"""Raw HELLO 2 clients for the session scenarios (docs/PROTOCOL.md, "Sessions,
pass and lock rings"): every byte is ours, so a test can cut a connection at
exactly the point it means to (after a SEND, before its ACK is read)."""
import json
import urllib.error
import urllib.request

from fl_peers import Closed, Peer


class V2:
    """One HELLO 2 connection. lines() answers the server's PINGs itself."""

    def __init__(self, port, name, ring="default", role="member", extra="", host="127.0.0.1", version=2):
        self.port, self.name, self.ring, self.host = port, name, ring, host
        self.peer = Peer(port, host=host)
        greet = self.peer.read_line(5)
        assert greet == b"BATON 1", f"{name}: greeting {greet!r}"
        self.peer.send(f"HELLO {version} {role} {ring} {name}{(' ' + extra) if extra else ''}\n")
        self.welcome = self.next(5)
        self.session = self.secret = None
        self.last_turn = None
        self.resumed = False

    def next(self, timeout):
        """The next line that isn't a PING (answered) or a GO probe; None on timeout."""
        while True:
            line = self.peer.read_line(timeout)
            if line is None:
                return None
            while line.startswith(b"GO"):
                line = line[2:]
            if not line:
                continue
            if line.startswith(b"PING "):
                self.peer.send(b"PONG " + line[5:] + b"\n")
                continue
            return line.decode()

    def expect(self, prefix, timeout=5, skip=("NOTICE ", "QUEUE ")):
        """Skips lines starting with one of `skip` (unless that is what is
        expected); returns the first other line, which must start with prefix."""
        skip = tuple(s for s in skip if not (prefix and prefix.startswith(s)))
        while True:
            line = self.next(timeout)
            if line is None or not (skip and line.startswith(skip)):
                break
        assert line is not None and line.startswith(prefix), f"{self.name}: expected {prefix!r}, got {line!r}"
        return line

    def take_session(self):
        line = self.expect("", 5)
        f = line.split()
        assert f[0] in ("SESSION", "RESUMED"), f"{self.name}: expected SESSION/RESUMED, got {line!r}"
        self.resumed = f[0] == "RESUMED"
        self.session, self.secret, self.grace_ms, self.last_turn = f[1], f[2], int(f[3]), int(f[4])
        return line

    def send(self, data):
        self.peer.send(data if isinstance(data, bytes) else data.encode())

    def cut(self):
        """The connection vanishes without a BYE (RST: nothing unread is delivered)."""
        self.peer.close(rst=True)

    def close_error(self, timeout=3):
        """Reads to the ERROR line and the close; returns the ERROR line."""
        line = self.next(timeout)
        while line is not None and not line.startswith("ERROR "):
            line = self.next(timeout)
        return line


def join(port, name, ring="default", extra=""):
    m = V2(port, name, ring, extra=extra)
    assert m.welcome.startswith("WELCOME "), f"{name}: {m.welcome!r}"
    m.take_session()
    return m


def resume(port, old, extra=""):
    """A new connection taking old's seat back."""
    m = V2(port, old.name, old.ring, extra=f"resume={old.session}:{old.secret}" + (f" {extra}" if extra else ""))
    if m.welcome.startswith("WELCOME "):
        m.take_session()
    return m


def post(admin_port, path, token=None, host="127.0.0.1"):
    """POST on the admin port: (status, JSON body)."""
    req = urllib.request.Request(f"http://{host}:{admin_port}{path}", data=b"", method="POST")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        body = e.read()
        try:
            return e.code, json.loads(body)
        except ValueError:
            return e.code, body


def get(admin_port, path, token=None):
    req = urllib.request.Request(f"http://127.0.0.1:{admin_port}{path}")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


__all__ = ["V2", "join", "resume", "post", "get", "Closed"]
