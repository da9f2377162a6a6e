#!/usr/bin/env python3
"""Scenario 18: a port scan during a busy ring. Two members take turns flat
out while 2,000 connections are opened and closed at once — half with a FIN,
half with a RST (SO_LINGER 0) — spread over the client port and the admin
port (when the log names it). The members are never dropped, their turn
numbers strictly increase, and the ring still moves afterwards."""
import socket
import struct
import threading
import time

import faultlib as fl


def scan(port, n, out):
    for i in range(n):
        s = socket.socket()
        try:
            s.connect(("127.0.0.1", port))
            if i % 2:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError as e:
            out.append(e)
        finally:
            s.close()


def scenario(args, ck):
    srv = fl.Server(args.server_bin)
    members = fl.start_members(srv.port, ["alice", "bob"])
    fl.wait_turns(members, 50, 3)
    ports = [srv.port] + ([srv.admin_port] if srv.admin_port else [])
    if not srv.admin_port:
        ck.info("admin port unknown: scanning the client port only")
    errors = []
    t0 = time.monotonic()
    ts = [threading.Thread(target=scan, args=(ports[i % len(ports)], 500, errors)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(20)
    ck.info(f"2000 connect+close in {time.monotonic() - t0:.1f} s, {len(errors)} connect errors")
    ck.expect(srv.alive(), f"server died during the scan: {srv.proc.returncode}")
    ck.expect(fl.wait_turns(members, 100, 3), "the ring is not moving after the scan")
    fl.finish(ck, members, srv)


if __name__ == "__main__":
    fl.main(scenario, limit=40)
