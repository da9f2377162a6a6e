"""Raw TCP peers with deadlines, and the v1 handshake.

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
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback

from fl_plumbing import *  # noqa: F401,F403
from fl_plumbing import _child_setup  # noqa: F401

# -------------------------------------------------------------- raw peers

class Peer:
    """A raw TCP connection with deadlines on every read."""

    def __init__(self, port, host="127.0.0.1", rcvbuf=None, timeout=3.0, tls=None, server_hostname="localhost",
                 source=None):
        """tls: an ssl.SSLContext to speak TLS with (the handshake is done here);
        source: the local address to connect from (e.g. 127.0.0.2, another "host")."""
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if source:
            self.sock.bind((source, 0))
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        if tls is not None:
            self.sock = tls.wrap_socket(self.sock, server_hostname=server_hostname)
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
        except ssl.SSLError as e:  # e.g. EOF without close_notify: the server closed
            self.eof = True
            raise Closed(f"TLS: {e}")
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


def v1_hello(peer, role, ring, name, timeout=5.0, token=None):
    """Greeting, HELLO, WELCOME. A `GO` probe before WELCOME is tolerated (slow links)."""
    greet = peer.read_line(timeout)
    if greet != b"BATON 1":
        raise AssertionError(f"expected greeting BATON 1, got {greet!r}")
    peer.send(f"HELLO 1 {role} {ring} {name}" + (f" {token}" if token else "") + "\n")
    line = peer.read_line(timeout)
    while line is not None and line.startswith(b"GO"):
        line = line[2:] or peer.read_line(timeout)
    if line is None or not line.startswith(b"WELCOME "):
        raise AssertionError(f"{name}: expected WELCOME, got {line!r}")
    return line
