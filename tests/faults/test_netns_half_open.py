#!/usr/bin/env python3
"""Scenario 16: a holder whose network vanishes (half-open connection).

Needs root, `ip` and `iptables` (else exit 77). A network namespace made here
is joined to the host by a veth pair with a /30 from 198.18.0.0/15 (picked
from our pid, so concurrent runs do not collide). The server listens on
0.0.0.0; two honest members connect over loopback, a third member runs inside
the namespace. Once that one holds the baton, every packet in and out of the
namespace is dropped (iptables DROP on INPUT and OUTPUT there): no FIN, no
RST, the server cannot tell. With --turn-timeout 1s the ring must move within
about 1 s, and then keep moving: the ring spends at most one turn timeout on
the vanished member, not one per round. Namespace, veth and processes are
removed on every exit path."""
import os
import shutil
import subprocess
import time

import faultlib as fl


def sh(*cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=10)
    if r.returncode:
        raise RuntimeError(f"{' '.join(cmd)}: {r.stdout.strip()}")


def make_netns():
    if os.geteuid() != 0:
        raise fl.Skip("needs root for ip netns / iptables")
    for tool in ("ip", "iptables"):
        if not shutil.which(tool):
            raise fl.Skip(f"`{tool}` not installed (scripts/install-deps.sh installs it)")
    pid = os.getpid()
    ns, host_if, ns_if = f"btf{pid}", f"bth{pid}", f"btn{pid}"
    idx = pid % 32768                                  # a /30 inside 198.18.0.0/15
    base = (198 << 24) | (18 << 16) | (idx * 4)
    addr = lambda n: ".".join(str((base + n) >> s & 255) for s in (24, 16, 8, 0))
    host_ip, ns_ip = addr(1), addr(2)

    def cleanup():
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "link", "del", host_if], stderr=subprocess.DEVNULL)
    fl.on_cleanup(cleanup)
    try:
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        sh("ip", "link", "set", ns_if, "netns", ns)
        sh("ip", "addr", "add", f"{host_ip}/30", "dev", host_if)
        sh("ip", "link", "set", host_if, "up")
        sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"{ns_ip}/30", "dev", ns_if)
        sh("ip", "netns", "exec", ns, "ip", "link", "set", ns_if, "up")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        sh("ip", "netns", "exec", ns, "iptables", "-S")   # iptables usable in a namespace here?
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        raise fl.Skip(f"cannot set up a network namespace here: {e}")
    return ns, host_ip


def scenario(args, ck):
    ns, host_ip = make_netns()
    srv = fl.Server(args.server_bin, "--turn-timeout", "1s", host="0.0.0.0")
    members = fl.start_members(srv.port, ["alice", "bob"])
    remote = fl.spawn_holder(srv.port, "remote", warmup=3, host=host_ip, wrapper=["ip", "netns", "exec", ns])
    turn, t_hold = fl.read_hold(remote, 8)
    ck.expect(turn is not None, f"the member in the namespace never held the baton: {t_hold!r}")
    if turn is None:
        return
    sh("ip", "netns", "exec", ns, "iptables", "-A", "OUTPUT", "-j", "DROP")
    sh("ip", "netns", "exec", ns, "iptables", "-A", "INPUT", "-j", "DROP")
    t_cut = time.monotonic()
    fl.wait_turns(members, 1, 4)
    first = min((t for m in members for _, t in m.grants if t >= t_cut), default=None)
    took = first - t_hold if first else None
    ck.info(f"remote held turn {turn}, network cut; ring moved {took if took is None else round(took, 2)} s after its grant")
    ck.expect(took is not None and took <= 1.6, f"ring did not move within ~1 s of the half-open holder's grant ({took})")
    if first:
        time.sleep(3.0)
        t_end = time.monotonic()
        times = sorted(t for m in members for _, t in m.grants if first <= t <= t_end)
        gaps = [round(b - a, 2) for a, b in zip([first] + times, times + [t_end]) if b - a > 0.3]
        ck.info(f"3 s after: {len(times)} honest turns, pauses > 0.3 s: {gaps}")
        ck.expect(not gaps, f"the ring kept pausing for the vanished member: {gaps}")
    reused = [(m.name, n) for m in members for n, _ in m.grants if n == turn]
    ck.expect(not reused, f"the vanished holder's turn {turn} was granted again: {reused}")
    fl.finish(ck, members, srv)


if __name__ == "__main__":
    fl.main(scenario, limit=30)
