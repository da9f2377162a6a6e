"""baton-server as a child process: ports from its log, descriptors, CPU, memory, TCP states.

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

# ------------------------------------------------------------------ server

LISTEN_RE = re.compile(rb"baton-server listening on [^\s:]+:(\d+)")
ADMIN_RE = re.compile(rb"admin HTTP on [^\s:]+:(\d+)")
TLS_RE = re.compile(rb"TLS on [^\s:]+:(\d+)")


class Server:
    """baton-server as a child process, its stdout+stderr in a temp file (or a pipe)."""

    # The scenarios written before the per-address and per-ring quotas open
    # many connections from 127.0.0.1 on purpose; they lift the quotas
    # (default_quotas=False) so that what they test is still what bites. The
    # security scenarios keep the defaults.
    NO_QUOTAS = ["--max-conns-per-addr", "0", "--conn-rate-per-addr", "0",
                 "--max-members-per-ring", "1000000", "--max-watchers-per-ring", "1000000"]

    def __init__(self, binary, *flags, host="127.0.0.1", nofile=None, stdout_pipe=False, wrapper=None,
                 default_quotas=False, port=0):
        """port: 0 (the kernel picks) unless a restart must come back on the old one."""
        self.tmp = mkdtemp("baton-faults-")
        self.log_path = os.path.join(self.tmp, "server.log")
        self.err_path = os.path.join(self.tmp, "server.err")
        cmd = [binary, "--host", host, "--port", str(port), "--admin-port", "0"]
        cmd += ([] if default_quotas else self.NO_QUOTAS) + [str(f) for f in flags]
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
        grace = None
        while time.monotonic() < deadline:
            text = self.pipe_read(0.05) if self.pipe else self.log()
            m = LISTEN_RE.search(text)
            t = TLS_RE.search(text)
            a = ADMIN_RE.search(text)
            if (m or t) and grace is None:
                grace = time.monotonic() + 0.3  # the admin line may follow the listening line
            if grace is not None and (a or time.monotonic() >= grace):
                self.tls_port = int(t.group(1)) if t else None  # --tls-port
                return (int(m.group(1)) if m else None), (int(a.group(1)) if a else None)
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

    # The admin port's /metrics: the value of one series, e.g.
    # metric("baton_connections_closed_total", reason="slow_consumer"); None if absent.
    def metric(self, name, **labels):
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/metrics", timeout=5) as r:
            text = r.read().decode()
        want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        for line in text.splitlines():
            series, _, value = line.rpartition(" ")
            if series == (f"{name}{{{want}}}" if want else name):
                return float(value)
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
