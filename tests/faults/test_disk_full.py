#!/usr/bin/env python3
"""Scenario: the journal's disk fills up under load, then frees up again.

A 2 MiB tmpfs holds the journal; two members send flat out; a filler file
takes every free byte. While the disk is full nothing is acked and no turn is
granted (no grant without its record), the members are told NOTICE
JOURNAL_STALLED and stay connected. When the filler goes, the ring resumes by
itself (NOTICE JOURNAL_RESUMED, acks again). After a kill -9 and a restart on
the same journal, every new number is above every number granted before, and
every acked send is in the journal."""
import os
import subprocess
import time

import faultlib as fl


def mount_tmpfs(size):
    if os.geteuid() != 0:
        raise fl.Skip("needs root to mount a small tmpfs")
    mnt = fl.mkdtemp("baton-diskfull-")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", mnt], capture_output=True, text=True)
    if r.returncode != 0:
        raise fl.Skip(f"cannot mount a tmpfs: {r.stderr.strip()}")
    fl.on_cleanup(lambda: subprocess.run(["umount", "-l", mnt], stderr=subprocess.DEVNULL))
    return mnt


def fill(path):
    """Writes until the file system refuses; returns the bytes written."""
    n = 0
    with open(path, "wb", buffering=0) as f:
        chunk = b"\0" * 4096
        while True:
            try:
                n += f.write(chunk)
            except OSError:
                break
        for small in (512, 64, 1):
            while True:
                try:
                    f.write(chunk[:small])
                    n += small
                except OSError:
                    break
    return n


def journal_bytes(path):
    if os.path.isdir(path):
        return b"".join(open(os.path.join(path, f), "rb").read() for f in sorted(os.listdir(path))
                        if os.path.isfile(os.path.join(path, f)))
    return open(path, "rb").read() if os.path.exists(path) else b""


def acks(members):
    return sum(len(m.acks) for m in members)


def scenario(args, ck):
    mnt = mount_tmpfs("2m")
    journal = os.path.join(mnt, "journal")
    srv = fl.Server(args.server_bin, "--journal", journal, "--turn-timeout", "500ms")
    members = fl.start_members(srv.port, ["alice", "bob"], payload=lambda t: f"p{t}-" + "y" * 100)
    fl.wait_turns(members, 200, 5)
    filler = os.path.join(mnt, "filler")
    filled = fill(filler)
    time.sleep(0.3)  # what was in flight settles
    a0, g0 = acks(members), fl.grant_count(members)
    time.sleep(1.5)  # three turn timeouts: a stuck holder would have been revoked
    a1, g1 = acks(members), fl.grant_count(members)
    stalled = all(any(c == "JOURNAL_STALLED" for c, _ in m.notices) for m in members)
    ck.info(f"disk filled with {filled} bytes; while full: {a1 - a0} acks, {g1 - g0} grants in 1.5 s")
    ck.expect(a1 - a0 == 0, f"{a1 - a0} sends acked while the journal's disk was full")
    ck.expect(g1 - g0 <= 1, f"{g1 - g0} turns granted while the journal's disk was full")
    ck.expect(stalled, f"members were not told JOURNAL_STALLED: {[m.notices for m in members]}")
    ck.expect(not any(m.dropped for m in members), f"members dropped: {[m.reason for m in members]}")
    ck.expect(not any(m.revokes for m in members), "a holder was revoked while the server was the one stuck")
    errors = srv.metric("baton_journal_errors_total")
    ck.expect(errors is not None and errors >= 1, f"baton_journal_errors_total is {errors} while the disk is full")
    os.unlink(filler)
    end = time.monotonic() + 3
    while acks(members) < a1 + 50 and time.monotonic() < end:
        time.sleep(0.05)
    resumed = all(any(c == "JOURNAL_RESUMED" for c, _ in m.notices) for m in members)
    ck.info(f"after freeing the disk: {acks(members) - a1} acks")
    ck.expect(acks(members) >= a1 + 50, "the ring did not resume by itself once the disk had room")
    ck.expect(resumed, "members were not told JOURNAL_RESUMED")
    before = max(t for m in members for t, _ in m.grants)
    acked = [(m.name, t, p) for m in members for t, p in m.acks]
    fl.stop_all(members)
    srv.proc.kill()
    srv.proc.wait()
    data = journal_bytes(journal)
    missing = [a for a in acked if f"S default {a[1]} {a[0]} {a[2]}".encode() not in data]
    ck.expect(not missing, f"{len(missing)} acked sends missing from the journal, e.g. {missing[:2]}")
    srv2 = fl.Server(args.server_bin, "--journal", journal, "--turn-timeout", "500ms")
    again = fl.start_members(srv2.port, ["carol", "dave"])
    fl.wait_turns(again, 10, 5)
    first = min(t for m in again for t, _ in m.grants)
    ck.info(f"highest number before the restart {before}, first after {first}")
    ck.expect(first > before, f"turn {first} granted after the restart; {before} was granted before it")
    fl.finish(ck, again, srv2)


if __name__ == "__main__":
    fl.main(scenario, limit=45)
