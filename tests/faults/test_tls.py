#!/usr/bin/env python3
"""Security 2: the TLS port, with mutual TLS.

A server with --tls-port, a server certificate from a test CA and
--tls-client-ca runs two honest members over mutual TLS (certificates for
alice and bob). Strangers try: plain bytes to the TLS port, TLS to the plain
port, no client certificate, a certificate from another CA, an expired one,
a name that isn't in the certificate, and handshakes that stall (a silent
TCP connection, a ClientHello cut short). Each is refused or closed; the
honest members never notice. SIGHUP swaps in a new server certificate
for new connections, without dropping the old ones."""
import os
import shutil
import signal
import socket
import ssl
import time

import faultlib as fl
import fl_tls


def tls_peer(port, ctx, source=None):
    return fl.Peer(port, tls=ctx, server_hostname="localhost", source=source)


def handshake_fails(port, ctx):
    """None if the TLS handshake (and the greeting) worked, else what went wrong."""
    try:
        p = tls_peer(port, ctx)
        line = p.read_line(3)  # TLS 1.3: a refused client certificate shows on the first read
        p.close()
        return None if line == b"BATON 1" else f"read {line!r}"
    except (ssl.SSLError, OSError, fl.Closed) as e:
        return f"{type(e).__name__}: {e}"


def scenario(args, ck):
    tmp = fl.mkdtemp("baton-tls-")
    ca, cert, key = fl_tls.server_pki(tmp)
    other = fl_tls.Pki(tmp, "other")
    alice = ca.issue("alice", sans=("DNS:alice",))
    bob = ca.issue("bob")
    mallory = other.issue("mallory")
    expired = ca.issue("old", start="20200101000000Z", end="20200102000000Z")
    srv = fl.Server(args.server_bin, "--tls-port", "0", "--tls-cert", cert, "--tls-key", key,
                    "--tls-client-ca", ca.ca, "--hello-timeout", "1s", "--legacy-after", "300ms")
    ck.expect(srv.tls_port, "no TLS port in the log")
    ok = lambda c: fl_tls.client_context(ca.ca, *c)  # noqa: E731

    members = [fl.Member(srv.tls_port, n, ring="secure", tls=ok(c)) for n, c in (("alice", alice), ("bob", bob))]
    for m in members:
        m.start()
    ck.expect(fl.wait_turns(members, 100, 5), "members over mutual TLS made no turns")

    # Plain bytes to the TLS port: no greeting in clear, closed.
    p = fl.Peer(srv.tls_port)
    p.send(b"HELLO 1 member secure eve\n")
    got = b""
    try:
        got = p.read_some(2)
    except fl.Closed:
        pass
    ck.expect(b"BATON" not in got and b"WELCOME" not in got, f"plain text on the TLS port was answered: {got!r}")
    ck.expect(p.expect_close(3) is not None, "plain bytes on the TLS port: connection not closed")
    p.close()

    # TLS to the plain port: the ClientHello is no HELLO line.
    why = handshake_fails(srv.port, ok(alice))
    ck.expect(why is not None, "a TLS handshake succeeded on the plain port")

    # No client certificate / another CA / expired: refused in the handshake.
    for what, ctx in (("no client certificate", fl_tls.client_context(ca.ca)),
                      ("a certificate from another CA", fl_tls.client_context(ca.ca, *mallory)),
                      ("an expired certificate", fl_tls.client_context(ca.ca, *expired))):
        why = handshake_fails(srv.tls_port, ctx)
        ck.expect(why is not None, f"{what}: the handshake succeeded")
        ck.info(f"{what}: {why}")

    # The server's certificate is checked by honest clients: the wrong CA fails.
    why = handshake_fails(srv.tls_port, fl_tls.client_context(other.ca, *alice))
    ck.expect(why is not None and "certificate verify failed" in why, f"a client trusting another CA: {why}")

    # A name that isn't in the certificate.
    p = tls_peer(srv.tls_port, ok(bob))
    p.read_line(3)
    p.send(b"HELLO 1 member secure alice\n")
    got = p.read_line(3)
    ck.expect(got is not None and got.startswith(b"ERROR FORBIDDEN"), f"bob's certificate as alice: {got!r}")
    p.close()

    # Stalled handshakes: silent TCP and a ClientHello cut short. Both end
    # with the hello timeout; members keep turning meanwhile.
    t0 = time.monotonic()
    stalled = []
    for i in range(20):
        s = socket.create_connection(("127.0.0.1", srv.tls_port))
        if i % 2:
            s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # a ClientHello's first bytes, then nothing
        stalled.append(s)
    before = fl.grant_count(members)
    time.sleep(0.5)
    ck.expect(fl.grant_count(members) > before + 50, "stalled TLS handshakes slowed the members down")
    closed = 0
    for s in stalled:
        s.settimeout(3)
        try:
            if s.recv(100) == b"":
                closed += 1
        except (ConnectionResetError, socket.timeout):
            closed += isinstance(s, socket.socket)
        s.close()
    ck.expect(closed == len(stalled), f"{len(stalled) - closed} stalled handshakes were never closed")
    ck.info(f"stalled handshakes closed within {time.monotonic() - t0:.1f} s")

    # SIGHUP: a new certificate for new connections; the live ones stay.
    cert2, key2 = ca.issue("localhost2", sans=("DNS:localhost", "IP:127.0.0.1"))
    shutil.copy(cert2, cert)
    shutil.copy(key2, key)
    srv.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    s = ok(alice).wrap_socket(socket.create_connection(("127.0.0.1", srv.tls_port)), server_hostname="localhost")
    subject = dict(x[0] for x in s.getpeercert()["subject"])
    s.close()
    ck.expect(subject.get("commonName") == "localhost2", f"after SIGHUP the server still shows {subject}")
    ck.expect(b"TLS: certificate and key reloaded" in srv.log(), "the reload is not logged")
    # A broken key on reload keeps the old pair.
    with open(key, "w") as f:
        f.write("garbage\n")
    srv.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    ck.expect(handshake_fails(srv.tls_port, ok(alice)) is None, "a broken key on reload broke new handshakes")
    ck.expect(b"TLS files not reloaded" in srv.log(), "a broken key on reload was not reported")
    before = fl.grant_count(members)
    ck.expect(fl.wait_turns(members, before + 100, 5), "the members stopped after the reloads")
    fl.finish(ck, members, srv)

    # --max-tls-clients: TLS connections hold ~60 KB each, so they have a bound of their own.
    cert3, key3 = ca.issue("localhost3", sans=("DNS:localhost", "IP:127.0.0.1"))
    small = fl.Server(args.server_bin, "--tls-port", "0", "--tls-cert", cert3, "--tls-key", key3,
                      "--max-tls-clients", "3")
    held = [tls_peer(small.tls_port, fl_tls.client_context(ca.ca)) for _ in range(3)]
    for p in held:
        ck.expect(p.read_line(3) == b"BATON 1", "a TLS client under the bound got no greeting")
    p = fl.Peer(small.tls_port)
    got = p.read_line(3)
    ck.expect(got is not None and got.startswith(b"ERROR SERVER_FULL") and b"--max-tls-clients" in got,
              f"the 4th TLS client of --max-tls-clients 3: {got!r}")
    p.close()
    plain = fl.Peer(small.port)
    ck.expect(plain.read_line(3) == b"BATON 1", "the TLS bound refused a plain client")
    plain.close()
    held.pop().close()
    time.sleep(0.3)
    ck.expect(handshake_fails(small.tls_port, fl_tls.client_context(ca.ca)) is None,
              "a TLS slot freed by a close was not reusable")


if __name__ == "__main__":
    fl.main(scenario, limit=60)
