#!/usr/bin/env python3
"""Scenario 14: the text log cannot be forged or garbled by a payload.

A v1 payload may carry any bytes but control characters; characters that a
terminal or an editor would act on (C1 controls U+0080-U+009F, U+2028/2029,
bidi controls U+202A-U+202E, U+2066-U+2069, U+200E/F, U+061C) must appear in
the log as \\u{XXXX}, and bytes that are not UTF-8 as \\xNN. The sends are
accepted (ACKed)."""
import re

import faultlib as fl

CASES = [
    ("a\u2028b\u202ec\u0085d".encode(), [b"\\u{2028}", b"\\u{202E}", b"\\u{0085}"]),
    (b"x\xffy", [b"\\xFF"]),
    ("l\u2066m\u200fn\u061co\u2029p\u202aq\u0080r\u009fs".encode(),
     [b"\\u{2066}", b"\\u{200F}", b"\\u{061C}", b"\\u{2029}", b"\\u{202A}", b"\\u{0080}", b"\\u{009F}"]),
]


def scenario(args, ck):
    srv = fl.Server(args.server_bin, "--min-members", "1")
    p = fl.Peer(srv.port)
    fl.v1_hello(p, "member", "esc", "esc")
    for payload, _ in CASES:
        line = p.read_line(3)
        while line is not None and not line.startswith(b"GRANT "):
            line = p.read_line(3)
        ck.expect(line is not None, "no GRANT")
        if line is None:
            break
        turn = int(line.split()[1])
        p.send(b"SEND %d " % turn + payload + b"\n")
        reply = p.read_line(3)
        while reply is not None and reply.startswith((b"QUEUE", b"PING")):
            reply = p.read_line(3)
        ck.expect(reply == b"ACK %d" % turn, f"payload {payload!r}: expected ACK {turn}, got {reply!r}")
        if reply is None or reply.startswith(b"ERROR"):
            break
    p.send(b"BYE\n")
    p.close()
    rc = srv.stop()
    log = srv.log()
    lines = re.findall(rb"^esc sent: (.*)$", log, re.M)
    ck.info(f"logged: {lines}")
    for payload, escapes in CASES:
        hit = [l for l in lines if all(e in l for e in escapes)]
        ck.expect(hit, f"payload {payload!r}: no log line with {b' '.join(escapes).decode()}")
    raw = [b"\xe2\x80\xa8", b"\xe2\x80\xae", b"\xc2\x85", b"\xff", b"\xe2\x81\xa6", b"\xd8\x9c"]
    ck.expect(not any(r in log for r in raw), "raw dangerous bytes reached the log: "
              f"{[r for r in raw if r in log]}")
    ck.expect(rc == 0, f"server did not exit 0 on SIGTERM: {rc}")


if __name__ == "__main__":
    fl.main(scenario, limit=20)
