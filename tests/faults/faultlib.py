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
# The pieces live in one module per role; scenarios import this one name.
from fl_plumbing import *  # noqa: F401,F403
from fl_plumbing import _child_setup  # noqa: F401
from fl_server import *  # noqa: F401,F403
from fl_peers import *  # noqa: F401,F403
from fl_members import *  # noqa: F401,F403
from fl_procs import *  # noqa: F401,F403
from fl_sessions import *  # noqa: F401,F403
from fl_cutter import *  # noqa: F401,F403
