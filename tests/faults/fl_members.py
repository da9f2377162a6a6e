"""Honest v1 members and watchers, and what they must observe.

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
from fl_peers import *  # noqa: F401,F403

# ------------------------------------------------------------ v1 clients

class Member(threading.Thread):
    """An honest v1 member taking turns flat out (or every `interval` s).

    Records every GRANT and ACK turn number with its time, every REVOKED, and
    whether it was ever dropped (EOF, reset or ERROR it did not ask for).
    Payloads are `p<turn>`, so each acked send has exactly one log line to find."""

    def __init__(self, port, name, ring="default", host="127.0.0.1", interval=0.0, count=None,
                 payload=None, ping_every=0.15, token=None, tls=None, source=None):
        super().__init__(daemon=True, name=f"member-{name}")
        self.token, self.tls, self.source = token, tls, source
        self.port, self.host, self.name, self.ring = port, host, name, ring
        self.interval, self.count, self.ping_every = interval, count, ping_every
        self.payload = payload or (lambda turn: f"p{turn}")
        self.grants = []     # (turn, monotonic time)
        self.acks = []       # (turn, payload)
        self.revokes = []
        self.notices = []    # (code, monotonic time)
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
            peer = Peer(self.port, self.host, tls=self.tls, source=self.source)
            v1_hello(peer, "member", self.ring, self.name, token=self.token)
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
                elif verb == b"NOTICE":
                    self.notices.append((rest.split(b" ")[0].decode(), now))
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

    def __init__(self, port, name, ring="default", host="127.0.0.1", ping_every=0.15, token=None, tls=None):
        super().__init__(daemon=True, name=f"watcher-{name}")
        self.token, self.tls = token, tls
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
            peer = Peer(self.port, self.host, tls=self.tls)
            v1_hello(peer, "watcher", self.ring, self.name, token=self.token)
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
