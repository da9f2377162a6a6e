#!/usr/bin/env python3
"""Interop with the seed system, using the seed's own files unmodified.

The seed's client.py and server.py are extracted at test time from the seed
document (../shared/seed/...). Where that file is absent, the test says so and
is skipped (exit 77). Both seed programs hard-code port 5001.

  seed_interop.py client BIN_DIR SEED_FILE   # seed client.py  vs baton-server
  seed_interop.py server BIN_DIR SEED_FILE   # seed server.py  vs two baton-clients
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77


def extract(seed_text, heading):
    start = seed_text.index(heading)
    body = seed_text.index("```python\n", start) + len("```python\n")
    return seed_text[body:seed_text.index("```", body)]


def sent_lines(text):
    return [(m.group(1), int(m.group(2))) for m in re.finditer(r"^(\S+) sent: (\d+)$", text, re.M)]


def check_alternation(pairs, min_turns):
    """Strict alternation of two names; each name's numbers step by 2, no gap, no repeat."""
    assert len(pairs) >= min_turns, f"only {len(pairs)} turns: {pairs}"
    names = [n for n, _ in pairs]
    assert set(names) == {"Client1", "Client2"}, names
    for a, b in zip(names, names[1:]):
        assert a != b, f"not alternating: {names}"
    for name, first in (("Client1", 1), ("Client2", 2)):
        nums = [v for n, v in pairs if n == name]
        assert nums == list(range(first, first + 2 * len(nums), 2)), f"{name}: {nums}"


def wait_port(port, timeout=5.0):
    import socket
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def seed_client_vs_baton_server(bins, tmp, seed):
    with open(os.path.join(tmp, "client.py"), "w") as f:
        f.write(extract(seed, "### 3.2"))
    server = subprocess.Popen([os.path.join(bins, "baton-server", "baton-server"), "--no-admin"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_port(5001), "baton-server did not listen on 5001"
        client = subprocess.Popen([sys.executable, "-u", "client.py"], cwd=tmp,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(7.5)  # the seed's client sleeps 1 s after each send: ~2 turns/s
        client.kill()
        client_out = client.communicate()[0]
    finally:
        server.send_signal(signal.SIGTERM)
        server_out = server.communicate(timeout=5)[0]
    print("--- baton-server log ---\n" + server_out)
    print("--- seed client.py output ---\n" + client_out)
    assert server.returncode == 0, f"baton-server exited {server.returncode}"
    assert "Traceback" not in client_out
    pairs = sent_lines(server_out)
    check_alternation(pairs, 10)
    # The seed client printed the same turns it was granted.
    # client.py prints from two threads without a lock: "Client1 sent: 1Client2
    # sent: 2" can share a line (both answer the probe at once), so its output is
    # matched without line anchors (the seed's names are Client1 and Client2).
    client_pairs = [(m.group(1), int(m.group(2))) for m in re.finditer(r"(Client\d) sent: (\d+)", client_out)]
    # At the kill, each thread may have one send the other side did not see.
    assert len(set(client_pairs) ^ set(pairs)) <= 2, f"client and server disagree: {client_pairs} vs {pairs}"


def wait_bindable(port, timeout=70.0):
    """The seed server binds without SO_REUSEADDR: wait out TIME_WAIT left by earlier tests."""
    import socket
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = socket.socket()
        try:
            s.bind(("0.0.0.0", port))
            return True
        except OSError:
            time.sleep(0.5)
        finally:
            s.close()
    return False


def seed_server_vs_baton_clients(bins, tmp, seed):
    with open(os.path.join(tmp, "server.py"), "w") as f:
        f.write(extract(seed, "### 3.1"))
    assert wait_bindable(5001), "port 5001 stays taken"
    server = subprocess.Popen([sys.executable, "-u", "server.py"], cwd=tmp,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = server.stdout.readline()  # "Server listening on 0.0.0.0:5001"
        assert "listening" in first, first
        client_bin = os.path.join(bins, "baton-client", "baton-client")
        common = ["--count", "6", "--interval", "0"]
        c1 = subprocess.Popen([client_bin, "--name", "Client1", "--start", "1"] + common,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        c2 = subprocess.Popen([client_bin, "--name", "Client2", "--start", "2"] + common,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out1 = c1.communicate(timeout=30)[0]
        out2 = c2.communicate(timeout=30)[0]
        time.sleep(0.3)
    finally:
        server.kill()
        server_out = first + server.communicate()[0]
    print("--- seed server.py log ---\n" + server_out)
    print("--- baton-client Client1 ---\n" + out1 + "--- baton-client Client2 ---\n" + out2)
    assert c1.returncode == 0 and c2.returncode == 0, (c1.returncode, c2.returncode)
    assert "Traceback" not in server_out and "Error" not in server_out, "the seed server failed on our bytes"
    check_alternation(sent_lines(server_out), 12)


def main():
    mode, bins, seed_path = sys.argv[1], sys.argv[2], sys.argv[3]
    if not os.path.exists(seed_path):
        print(f"SKIPPED: the seed file {seed_path} is absent; seed interop not tested")
        return SKIP
    with open(seed_path) as f:
        seed = f.read()
    with tempfile.TemporaryDirectory() as tmp:
        if mode == "client":
            seed_client_vs_baton_server(bins, tmp, seed)
        else:
            seed_server_vs_baton_clients(bins, tmp, seed)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
