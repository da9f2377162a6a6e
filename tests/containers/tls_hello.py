#!/usr/bin/env python3
"""One v1 HELLO over TLS, for the secure deployment's checks (run.sh).

Usage: tls_hello.py HOST PORT CA SERVER_NAME ROLE RING NAME [--token-file F]
                    [--cert C --key K]
Verifies the server's certificate against CA and SERVER_NAME, sends
`HELLO 1 ROLE RING NAME [TOKEN]` and prints the server's first answer after
its greeting: `WELCOME ...` (exit 0) or `ERROR CODE ...` (exit 1). A failed
handshake or connection prints `TLS <reason>` (exit 2). The token is never
printed.
"""
import argparse
import socket
import ssl
import sys

p = argparse.ArgumentParser()
for a in ("host", "port", "ca", "server_name", "role", "ring", "name"):
    p.add_argument(a)
p.add_argument("--token-file")
p.add_argument("--cert")
p.add_argument("--key")
a = p.parse_args()

ctx = ssl.create_default_context(cafile=a.ca)
ctx.minimum_version = ssl.TLSVersion.TLSv1_2
if a.cert:
    ctx.load_cert_chain(a.cert, a.key)
hello = f"HELLO 1 {a.role} {a.ring} {a.name}"
if a.token_file:
    with open(a.token_file) as f:
        hello += " " + f.readline().strip()
try:
    with socket.create_connection((a.host, int(a.port)), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=a.server_name) as s:
            s.sendall(hello.encode() + b"\n")
            buf = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
                lines = buf.split(b"\n")
                answers = [l.decode(errors="replace") for l in lines[:-1] if not l.startswith(b"BATON ")]
                if answers:
                    print(answers[0])
                    sys.exit(0 if answers[0].startswith("WELCOME ") else 1)
            print("TLS closed without an answer")
            sys.exit(2)
except (OSError, ssl.SSLError) as e:
    print(f"TLS {type(e).__name__}: {e}")
    sys.exit(2)
