"""Plumbing of the fault suite: exit codes, cleanups on every exit path, checks, the scenario runner.

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
