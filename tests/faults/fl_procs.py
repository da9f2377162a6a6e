"""The seed-like legacy client, baton-client as a process, and a holder child that goes silent.

Part of faultlib (see faultlib.py); Python 3 standard library only."""
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

from fl_plumbing import *  # noqa: F401,F403
from fl_plumbing import _child_setup  # noqa: F401
from fl_peers import *  # noqa: F401,F403

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
