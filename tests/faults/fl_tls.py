"""Throwaway TLS material for the security scenarios, made at test time with the
`openssl` command (nothing secret is checked in): two CAs, a server certificate
for localhost/127.0.0.1, client certificates by name, an expired one.

Part of faultlib (see faultlib.py); Python 3 standard library only."""
import os
import shutil
import ssl
import subprocess

from fl_plumbing import *  # noqa: F401,F403

_CA_CONF = """[ca]
default_ca = test_ca
[test_ca]
dir = {dir}
database = {dir}/index.txt
new_certs_dir = {dir}
serial = {dir}/serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
"""


def _run(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, timeout=30)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)}: {r.stderr.decode(errors='replace')}")


class Pki:
    """A CA in its own directory; issue() makes a key and a certificate signed by it."""

    def __init__(self, root, name):
        if shutil.which("openssl") is None:
            raise Skip("no openssl command")
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir)
        self.ca = os.path.join(self.dir, "ca.pem")
        self.ca_key = os.path.join(self.dir, "ca.key")
        _run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
             "-subj", f"/CN=baton test CA {name}", "-keyout", self.ca_key, "-out", self.ca, cwd=self.dir)
        with open(os.path.join(self.dir, "index.txt"), "w"):
            pass
        with open(os.path.join(self.dir, "serial"), "w") as f:
            f.write("1000\n")
        with open(os.path.join(self.dir, "ca.cnf"), "w") as f:
            f.write(_CA_CONF.format(dir=self.dir))

    def issue(self, cn, sans=(), start=None, end=None):
        """Key and certificate for CN cn (and DNS/IP SANs); start/end: YYYYMMDDHHMMSSZ
        to make one that is not (or no longer) valid. Returns (cert, key) paths."""
        key = os.path.join(self.dir, f"{cn}.key")
        csr = os.path.join(self.dir, f"{cn}.csr")
        cert = os.path.join(self.dir, f"{cn}.pem")
        args = ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", f"/CN={cn}", "-keyout", key, "-out", csr]
        if sans:
            args += ["-addext", "subjectAltName=" + ",".join(sans)]
        _run(*args, cwd=self.dir)
        dates = ["-startdate", start, "-enddate", end] if start else ["-days", "2"]
        _run("ca", "-batch", "-config", os.path.join(self.dir, "ca.cnf"), "-cert", self.ca, "-keyfile",
             self.ca_key, "-in", csr, "-out", cert, "-notext", *dates, cwd=self.dir)
        return cert, key


def server_pki(root):
    """(ca, server cert, server key, the CA object) with the server named localhost and 127.0.0.1."""
    ca = Pki(root, "ca")
    cert, key = ca.issue("localhost", sans=("DNS:localhost", "IP:127.0.0.1"))
    return ca, cert, key


def client_context(ca_file, cert=None, key=None):
    """What an honest TLS client uses: verifies the server against ca_file."""
    ctx = ssl.create_default_context(cafile=ca_file)
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx
