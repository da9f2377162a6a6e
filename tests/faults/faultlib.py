"""Shared pieces of the adversarial fault suite (tests/faults/test_*.py).

Every scenario drives the REAL baton-server binary from the outside, as a
stranger on the network would, and asserts only what honest clients observe:
nobody honest is dropped, the turn numbers they see strictly increase and are
never reused, every acknowledged send is in the log exactly once, and the ring
moves again within the stated bound.

Conventions: ports come from the kernel (--port 0, --admin-port 0); every
scenario has a hard watchdog; every child process gets PR_SET_PDEATHSIG so
that nothing outlives the script, and registered cleanups (processes,
network namespaces) run on every exit path. Exit codes: 0 pass, 1 fail,
77 skip. Python 3 standard library only.
"""
import argparse
import collections
import ctypes
import errno
import os
import re
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

SKIP = 77

# Set by the asan/tsan test presets: the server under test is instrumented,
# so its memory figures are the sanitizer's, not ours.
SANITIZED = os.environ.get("BATON_SANITIZED") == "1"

_cleanups = []          # run in reverse order on every exit path
_tmpdirs = []           # removed when the scenario passes, kept (and named) when it fails
_cleanup_lock = threading.Lock()


class Skip(Exception):
    pass


class Closed(Exception):
    """The peer closed (EOF) or reset the connection."""


# ----------------------------------------------------------------- plumbing

def on_cleanup(fn):
    with _cleanup_lock:
        _cleanups.append(fn)
    return fn


def run_cleanups():
    with _cleanup_lock:
        fns = list(reversed(_cleanups))
        _cleanups.clear()
    for fn in fns:
        try:
            fn()
        except Exception as e:  # cleanup must go on whatever one step does
            print(f"cleanup step failed: {e!r}", file=sys.stderr)


_libc = ctypes.CDLL(None, use_errno=True)


def _child_setup(nofile=None):
    """preexec_fn: die with the test (SIGKILL when our thread exits); optional fd limit."""
    def setup():
        _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    return setup


def raise_own_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Checks:
    """Collects failed expectations so that one run reports all of them."""

    def __init__(self, name):
        self.name = name
        self.failures = []

    def expect(self, cond, msg):
        if not cond:
            self.failures.append(msg)
            print(f"  FAIL: {msg}", flush=True)
        return bool(cond)

    def info(self, msg):
        print(f"  {msg}", flush=True)

    def result(self):
        if self.failures:
            print(f"FAIL {self.name}: {len(self.failures)} expectation(s) not met:")
            for f in self.failures:
                print(f"  - {f}")
            return 1
        print(f"PASS {self.name}")
        return 0


def mkdtemp(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    _tmpdirs.append(d)
    return d


def main(scenario, limit=30.0, extra_args=None):
    """Runs scenario(args, checks) under a hard watchdog; exits 0/1/77."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--server-bin", required=True)
    ap.add_argument("--client-bin", required=True)
    if extra_args:
        extra_args(ap)
    args = ap.parse_args()
    name = os.path.basename(sys.argv[0]).removesuffix(".py")
    checks = Checks(name)

    def fire():
        print(f"FAIL {name}: watchdog: the scenario did not finish within {limit:.0f} s", flush=True)
        for f in checks.failures:
            print(f"  - {f}", flush=True)
        run_cleanups()
        os._exit(1)

    dog = threading.Timer(limit, fire)
    dog.daemon = True
    dog.start()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda s, f: (run_cleanups(), os._exit(1)))
    started = time.monotonic()
    try:
        scenario(args, checks)
        rc = checks.result()
    except Skip as e:
        print(f"SKIP {name}: {e}")
        rc = SKIP
    except Exception:
        traceback.print_exc()
        print(f"FAIL {name}: the scenario raised (see above)")
        for f in checks.failures:
            print(f"  - {f}")
        rc = 1
    finally:
        dog.cancel()
        run_cleanups()
    if rc == 0:
        for d in _tmpdirs:
            shutil.rmtree(d, ignore_errors=True)
    elif _tmpdirs:
        print(f"logs kept in: {' '.join(_tmpdirs)}")
    print(f"({name}: {time.monotonic() - started:.1f} s)", flush=True)
    sys.stdout.flush()
    os._exit(rc)


# ------------------------------------------------------------------ server

LISTEN_RE = re.compile(rb"baton-server listening on [^\s:]+:(\d+)")
ADMIN_RE = re.compile(rb"admin HTTP on [^\s:]+:(\d+)")


class Server:
    """baton-server as a child process, its stdout+stderr in a temp file (or a pipe)."""

    def __init__(self, binary, *flags, host="127.0.0.1", nofile=None, stdout_pipe=False, wrapper=None):
        self.tmp = mkdtemp("baton-faults-")
        self.log_path = os.path.join(self.tmp, "server.log")
        self.err_path = os.path.join(self.tmp, "server.err")
        cmd = [binary, "--host", host, "--port", "0", "--admin-port", "0"] + [str(f) for f in flags]
        if wrapper:
            cmd = list(wrapper) + cmd
        self.cmd = cmd
        self.pipe = stdout_pipe
        self._pipe_buf = b""
        if stdout_pipe:
            err = open(self.err_path, "wb")
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, preexec_fn=_child_setup(nofile))
            err.close()
        else:
            out = open(self.log_path, "wb")
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_child_setup(nofile))
            out.close()
        self.pid = self.proc.pid
        on_cleanup(self._kill)
        self.port, self.admin_port = self._wait_listening()

    def _kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def _wait_listening(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        port = None
        grace = None
        while time.monotonic() < deadline:
            text = self.pipe_read(0.05) if self.pipe else self.log()
            m = LISTEN_RE.search(text)
            a = ADMIN_RE.search(text)
            if m and port is None:
                port = int(m.group(1))
                grace = time.monotonic() + 0.3  # the admin line may follow the listening line
            if port is not None and (a or time.monotonic() >= grace):
                return port, (int(a.group(1)) if a else None)
            if self.proc.poll() is not None:
                raise RuntimeError(f"baton-server exited {self.proc.returncode} before listening:\n{text.decode(errors='replace')}")
            if not self.pipe:
                time.sleep(0.02)
        raise RuntimeError("baton-server did not print its listening line within 10 s")

    def pipe_read(self, timeout):
        """With stdout_pipe: reads what is available within timeout; returns all read so far."""
        fd = self.proc.stdout.fileno()
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            r, _, _ = select.select([fd], [], [], max(0.0, left))
            if not r:
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            self._pipe_buf += chunk
            if left <= 0:
                break
        return self._pipe_buf

    def log(self):
        if self.pipe:
            return self._pipe_buf
        with open(self.log_path, "rb") as f:
            return f.read()

    def wait_log(self, pattern, timeout, after=0):
        """Waits until regex `pattern` (bytes) matches the log past offset `after`; returns the match or None."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while True:
            m = rx.search(self.log(), after)
            if m or time.monotonic() >= end:
                return m
            time.sleep(0.02)

    def sent_counts(self):
        """Counter of (name, payload) from `NAME sent: PAYLOAD` lines."""
        c = collections.Counter()
        for line in self.log().split(b"\n"):
            m = re.match(rb"^(\S+) sent: (.*)$", line)
            if m:
                c[(m.group(1).decode(errors="replace"), m.group(2).decode(errors="replace"))] += 1
        return c

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=5.0):
        """SIGTERM; returns the exit code (None if it had to be killed)."""
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            if self.pipe:
                end = time.monotonic() + timeout
                while self.proc.poll() is None and time.monotonic() < end:
                    self.pipe_read(0.05)
            return self.proc.wait(timeout=max(0.1, timeout))
        except subprocess.TimeoutExpired:
            self._kill()
            return None

    # /proc views of the server process
    def fd_count(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def cpu_seconds(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def rss_kb(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0


def tcp_states(port):
    """Counter of TCP states ('01' established, '08' close-wait, ...) of sockets whose local port is `port`."""
    c = collections.Counter()
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if int(parts[1].rsplit(":", 1)[1], 16) == port:
                        c[parts[3]] += 1
        except FileNotFoundError:
            pass
    return c


# -------------------------------------------------------------- raw peers

class Peer:
    """A raw TCP connection with deadlines on every read."""

    def __init__(self, port, host="127.0.0.1", rcvbuf=None, timeout=3.0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.buf = b""
        self.eof = False

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError) as e:
            self.eof = True
            raise Closed(f"reset: {e}")
        if not chunk:
            self.eof = True
            raise Closed("EOF")
        self.buf += chunk
        return True

    def read_line(self, timeout):
        """One line without its newline; None on timeout; Closed on EOF."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            if not self._fill(deadline):
                return None
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def read_until(self, token, timeout):
        """Reads until `token` is in the buffer; returns what precedes it (consumed with it) or None."""
        deadline = time.monotonic() + timeout
        while token not in self.buf:
            if not self._fill(deadline):
                return None
        head, self.buf = self.buf.split(token, 1)
        return head

    def read_exact(self, n, timeout):
        deadline = time.monotonic() + timeout
        while len(self.buf) < n:
            if not self._fill(deadline):
                return None
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_some(self, timeout):
        """Whatever arrives within timeout (b'' if nothing); Closed on EOF."""
        if self.buf:
            out, self.buf = self.buf, b""
            return out
        self._fill(time.monotonic() + timeout)
        out, self.buf = self.buf, b""
        return out

    def expect_close(self, timeout):
        """Discards input until EOF/reset; returns seconds waited, or None if still open."""
        t0 = time.monotonic()
        deadline = t0 + timeout
        try:
            while True:
                self.buf = b""
                if not self._fill(deadline) and time.monotonic() >= deadline:
                    return None
        except Closed:
            return time.monotonic() - t0

    def wait_full_close(self, timeout, poke=0.05):
        """After the server's FIN (half-close) it may still read and discard; once it really
        closes, a byte we send is answered with RST. Returns seconds until then, or None."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            try:
                self.sock.send(b"x")
                time.sleep(poke)
                self.sock.settimeout(0)
                try:
                    self.sock.recv(65536)
                except BlockingIOError:
                    pass
            except (ConnectionResetError, BrokenPipeError):
                return time.monotonic() - t0
            except OSError as e:
                if e.errno in (errno.ECONNRESET, errno.EPIPE):
                    return time.monotonic() - t0
                raise
        return None

    def close(self, rst=False):
        try:
            if rst:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.sock.close()
        except OSError:
            pass


def v1_hello(peer, role, ring, name, timeout=5.0):
    """Greeting, HELLO, WELCOME. A `GO` probe before WELCOME is tolerated (slow links)."""
    greet = peer.read_line(timeout)
    if greet != b"BATON 1":
        raise AssertionError(f"expected greeting BATON 1, got {greet!r}")
    peer.send(f"HELLO 1 {role} {ring} {name}\n")
    line = peer.read_line(timeout)
    while line is not None and line.startswith(b"GO"):
        line = line[2:] or peer.read_line(timeout)
    if line is None or not line.startswith(b"WELCOME "):
        raise AssertionError(f"{name}: expected WELCOME, got {line!r}")
    return line


# ------------------------------------------------------------ v1 clients

class Member(threading.Thread):
    """An honest v1 member taking turns flat out (or every `interval` s).

    Records every GRANT and ACK turn number with its time, every REVOKED, and
    whether it was ever dropped (EOF, reset or ERROR it did not ask for).
    Payloads are `p<turn>`, so each acked send has exactly one log line to find."""

    def __init__(self, port, name, ring="default", host="127.0.0.1", interval=0.0, count=None,
                 payload=None, ping_every=0.15):
        super().__init__(daemon=True, name=f"member-{name}")
        self.port, self.host, self.name, self.ring = port, host, name, ring
        self.interval, self.count, self.ping_every = interval, count, ping_every
        self.payload = payload or (lambda turn: f"p{turn}")
        self.grants = []     # (turn, monotonic time)
        self.acks = []       # (turn, payload)
        self.revokes = []
        self.dropped = False
        self.reason = None
        self.joined = threading.Event()
        self.finished = threading.Event()
        self._halt = threading.Event()
        on_cleanup(self.stop)

    def run(self):
        last_write = time.monotonic()
        pending = None  # (turn, payload) sent, not yet acked
        peer = None
        try:
            peer = Peer(self.port, self.host)
            v1_hello(peer, "member", self.ring, self.name)
            self.joined.set()
            while not self._halt.is_set():
                if self.count is not None and len(self.acks) >= self.count:
                    break
                line = peer.read_line(0.05)
                now = time.monotonic()
                if line is None:
                    if now - last_write > self.ping_every:  # an honest client pings when quiet
                        peer.send(b"PING m\n")
                        last_write = now
                    continue
                verb, _, rest = line.partition(b" ")
                if verb == b"GRANT":
                    turn = int(rest.split()[0])
                    self.grants.append((turn, now))
                    if self.interval:
                        time.sleep(self.interval)
                    if self._halt.is_set():
                        break
                    p = self.payload(turn)
                    pending = (turn, p)
                    peer.send(f"SEND {turn} ".encode() + (p if isinstance(p, bytes) else p.encode()) + b"\n")
                    last_write = time.monotonic()
                elif verb == b"ACK":
                    turn = int(rest)
                    if pending and pending[0] == turn:
                        self.acks.append(pending)
                        pending = None
                elif verb == b"REVOKED":
                    self.revokes.append((int(rest), now))
                elif verb == b"PING":
                    peer.send(b"PONG " + rest + b"\n")
                    last_write = now
                elif verb == b"ERROR" or verb == b"SHUTDOWN":
                    self.dropped, self.reason = True, line.decode(errors="replace")
                    return
            peer.send(b"BYE\n")
        except Closed as e:
            if not self._halt.is_set():
                self.dropped, self.reason = True, f"connection closed ({e})"
        except Exception as e:
            self.dropped, self.reason = True, f"{type(e).__name__}: {e}"
        finally:
            if peer:
                peer.close()
            self.finished.set()

    def stop(self):
        self._halt.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(3)

    def turns(self):
        return [t for t, _ in self.grants]


class Watcher(threading.Thread):
    """An honest v1 watcher: records every EVENT, answers PINGs, pings when quiet."""

    def __init__(self, port, name, ring="default", host="127.0.0.1", ping_every=0.15):
        super().__init__(daemon=True, name=f"watcher-{name}")
        self.port, self.host, self.name, self.ring, self.ping_every = port, host, name, ring, ping_every
        self.events = []  # (turn, name, payload bytes)
        self.dropped = False
        self.reason = None
        self.joined = threading.Event()
        self._halt = threading.Event()
        on_cleanup(self.stop)

    def run(self):
        peer = None
        last_write = time.monotonic()
        try:
            peer = Peer(self.port, self.host)
            v1_hello(peer, "watcher", self.ring, self.name)
            self.joined.set()
            while not self._halt.is_set():
                line = peer.read_line(0.05)
                now = time.monotonic()
                if line is None:
                    if now - last_write > self.ping_every:
                        peer.send(b"PING w\n")
                        last_write = now
                    continue
                verb, _, rest = line.partition(b" ")
                if verb == b"EVENT":
                    turn, name, payload = (rest.split(b" ", 2) + [b""])[:3]
                    self.events.append((int(turn), name.decode(errors="replace"), payload))
                elif verb == b"PING":
                    peer.send(b"PONG " + rest + b"\n")
                    last_write = now
                elif verb == b"ERROR" or verb == b"SHUTDOWN":
                    self.dropped, self.reason = True, line.decode(errors="replace")
                    return
            peer.send(b"BYE\n")
        except Closed as e:
            if not self._halt.is_set():
                self.dropped, self.reason = True, f"connection closed ({e})"
        except Exception as e:
            self.dropped, self.reason = True, f"{type(e).__name__}: {e}"
        finally:
            if peer:
                peer.close()

    def stop(self):
        self._halt.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(3)


def start_members(port, names, ring="default", **kw):
    ms = [Member(port, n, ring=ring, **kw) for n in names]
    for m in ms:
        m.start()
    for m in ms:
        if not m.joined.wait(5):
            raise AssertionError(f"member {m.name} did not join: {m.reason}")
    return ms


def grant_count(members):
    return sum(len(m.grants) for m in members)


def wait_turns(members, n, timeout):
    """Waits until the members together saw n more grants; returns True if they did."""
    target = grant_count(members) + n
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if grant_count(members) >= target:
            return True
        time.sleep(0.01)
    return False


def max_gap(members, t0, t1):
    """Longest time in [t0, t1] during which none of the members was granted a turn."""
    times = sorted(t for m in members for _, t in m.grants if t0 <= t <= t1)
    points = [t0] + times + [t1]
    return max(b - a for a, b in zip(points, points[1:]))


def check_honest(checks, members, server=None, watchers=()):
    """What every honest client must observe, whatever the scenario did around it."""
    seen = {}
    for m in members:
        checks.expect(not m.dropped, f"honest member {m.name} was dropped: {m.reason}")
        turns = m.turns()
        bad = [(a, b) for a, b in zip(turns, turns[1:]) if b <= a]
        checks.expect(not bad, f"{m.name}: turn numbers not strictly increasing, e.g. {bad[:3]}")
        for t in turns:
            if (m.ring, t) in seen:
                checks.expect(False, f"turn {t} of ring {m.ring} granted to both {seen[(m.ring, t)]} and {m.name}")
                break
            seen[(m.ring, t)] = m.name
    for w in watchers:
        checks.expect(not w.dropped, f"honest watcher {w.name} was dropped: {w.reason}")
    if server is not None:
        counts = server.sent_counts()
        missing, dup = [], []
        for m in members:
            for turn, p in m.acks:
                p = p.decode(errors="replace") if isinstance(p, bytes) else p
                n = counts.get((m.name, p), 0)
                if n == 0:
                    missing.append((m.name, p))
                elif n > 1:
                    dup.append((m.name, p, n))
        checks.expect(not missing, f"{len(missing)} acked sends missing from the log, e.g. {missing[:3]}")
        checks.expect(not dup, f"acked sends logged more than once: {dup[:3]}")


def finish(checks, members, server):
    """Ends a scenario: stops the honest members, drains the server (SIGTERM
    must exit 0), and checks what the members saw."""
    stop_all(members)
    rc = server.stop()
    check_honest(checks, members, server)
    checks.expect(rc == 0, f"server did not exit 0 on SIGTERM: {rc}")


def stop_all(*groups):
    for g in groups:
        for m in g:
            m.stop()


# --------------------------------------------------------- legacy clients

class SeedClient(threading.Thread):
    """The seed's client loop: recv(1024); if it is exactly "GO", send NAME:N and N += 2.
    (Anything else, e.g. the greeting, is ignored, as the seed does.)"""

    def __init__(self, port, name, start, delay=0.0, answers=None, host="127.0.0.1"):
        super().__init__(daemon=True, name=f"seed-{name}")
        self.port, self.name, self.n, self.delay, self.host = port, name, start, delay, host
        self.answers = answers      # stop answering after this many GOs (None: forever)
        self.gos = []               # monotonic time of each GO
        self.sent = []              # numbers sent
        self.closed_at = None
        self.first_go = threading.Event()
        self._halt = threading.Event()
        on_cleanup(self.stop)

    def run(self):
        s = socket.create_connection((self.host, self.port), timeout=5)
        s.settimeout(0.1)
        try:
            while not self._halt.is_set():
                try:
                    data = s.recv(1024)
                except socket.timeout:
                    continue
                except ConnectionResetError:
                    data = b""
                if not data:
                    self.closed_at = time.monotonic()
                    return
                if data == b"GO":
                    self.gos.append(time.monotonic())
                    self.first_go.set()
                    if self.answers is not None and len(self.sent) >= self.answers:
                        continue  # gone silent: holds the GO without answering
                    s.sendall(f"{self.name}:{self.n}".encode())
                    self.sent.append(self.n)
                    self.n += 2
                    if self.delay:
                        time.sleep(self.delay)
        finally:
            s.close()

    def stop(self):
        self._halt.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(2)


# ---------------------------------------------------------- baton-client

class ClientProc:
    """baton-client as a child process, stdout and stderr in files."""

    def __init__(self, binary, port, *args, host="127.0.0.1", wrapper=None):
        self.tmp = mkdtemp("baton-client-")
        self.out_path = os.path.join(self.tmp, "out")
        self.err_path = os.path.join(self.tmp, "err")
        cmd = [binary, "--host", host, "--port", str(port)] + [str(a) for a in args]
        if wrapper:
            cmd = list(wrapper) + cmd
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, preexec_fn=_child_setup())
        on_cleanup(self.kill)

    def kill(self):
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGCONT)
            except ProcessLookupError:
                pass
            self.proc.kill()
            self.proc.wait()

    def out(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode(errors="replace")

    def err(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None


def spawn_holder(port, name, warmup=2, host="127.0.0.1", wrapper=None):
    """A child process (this module run as a script) that is an honest member for
    `warmup` turns, then holds its next GRANT without answering: prints `HOLD <turn>`."""
    cmd = [sys.executable, os.path.abspath(__file__), "holder", "--host", host, "--port", str(port),
           "--name", name, "--warmup", str(warmup)]
    if wrapper:
        cmd = list(wrapper) + cmd
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=_child_setup())

    def kill():
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGCONT)
            except ProcessLookupError:
                pass
            p.kill()
            p.wait()
    on_cleanup(kill)
    return p


def read_hold(p, timeout):
    """Waits for the holder child's `HOLD <turn>` line; returns (turn, time) or (None, output)."""
    end = time.monotonic() + timeout
    got = b""
    fd = p.stdout.fileno()
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
        if not r:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        got += chunk
        m = re.search(rb"HOLD (\d+)\n", got)
        if m:
            return int(m.group(1)), time.monotonic()
    return None, got


def _holder_main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--host")
    ap.add_argument("--port", type=int)
    ap.add_argument("--name")
    ap.add_argument("--warmup", type=int)
    a = ap.parse_args(argv)
    peer = Peer(a.port, a.host, timeout=10)
    v1_hello(peer, "member", "default", a.name)
    took = 0
    while True:
        line = peer.read_line(30)
        if line is None:
            continue
        if line.startswith(b"GRANT "):
            turn = int(line.split()[1])
            if took >= a.warmup:
                print(f"HOLD {turn}", flush=True)
                while True:  # hold the baton; say nothing, read nothing
                    time.sleep(3600)
            peer.send(f"SEND {turn} h{turn}\n")
            took += 1
        elif line.startswith(b"PING "):
            peer.send(b"PONG " + line[5:] + b"\n")


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "holder":
    _holder_main(sys.argv[2:])
