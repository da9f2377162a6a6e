#!/usr/bin/env bash
# FOR TRYING BATON OUT ONLY - NOT FOR PRODUCTION.
#
# Writes a throw-away PKI, two tokens and the matching --auth-file for the
# secure deployments (k8s/secure, compose.secure.yaml; docs/SECURITY-DEPLOY.md):
#
#   ca.crt ca.key            a self-signed CA ("baton dev CA"), 2 years
#   server.crt server.key    server-service, server-service.<ns>.svc(.cluster.local),
#                            localhost, 127.0.0.1, ::1; 1 year
#   Client1.crt Client1.key  client certificates, CN = the member name (mutual TLS)
#   Client2.crt Client2.key
#   member.token             member of ring "default" (the client pods)
#   watcher.token            watcher of every ring (an operator's --watch)
#   auth                     the --auth-file: the tokens' sha256 hashes, cert:Client1/2
#
# into k8s/secure/generated/ (git-ignored; kustomize reads its Secrets there).
# Idempotent: what exists and is still good is kept (tokens never change by
# themselves); a missing or expiring piece is made again, and a new CA
# reissues every certificate.
#
# Usage: scripts/make-dev-pki.sh [--out DIR] [--namespace NS] [--server-bin PATH]
#                                [--rotate member|watcher] [--retire member|watcher] [--force]
#   --out DIR          where to write (default k8s/secure/generated)
#   --namespace NS     the namespace of server-service in the certificate (default: default)
#   --server-bin PATH  make tokens with `baton-server --new-token` and check each hash with
#                      --hash-token (default: $BATON_SERVER_BIN; without either,
#                      `openssl rand` and sha256sum, the same format)
#   --rotate NAME      keep NAME.token as NAME.token.old (still granted) and make a new one
#   --retire NAME      drop NAME.token.old: the old token is refused once the server reloads
#   --force            start over: a new CA, new certificates, new tokens
set -euo pipefail
umask 077

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/k8s/secure/generated"
ns=default
server_bin=${BATON_SERVER_BIN:-}
rotate=""
retire=""
force=false
die() { echo "make-dev-pki: $*" >&2; exit 64; }
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --namespace) ns=${2:?--namespace needs a name}; shift 2 ;;
    --server-bin) server_bin=${2:?--server-bin needs a path}; shift 2 ;;
    --rotate) rotate=${2:?--rotate needs member or watcher}; shift 2 ;;
    --retire) retire=${2:?--retire needs member or watcher}; shift 2 ;;
    --force) force=true; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[[ "$ns" =~ ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$ ]] || die "--namespace $ns is not a namespace name"
for n in "$rotate" "$retire"; do
  [ -z "$n" ] || [ "$n" = member ] || [ "$n" = watcher ] || die "--rotate/--retire take member or watcher, not $n"
done
command -v openssl >/dev/null || die "needs the openssl command (apt-get install openssl)"
command -v sha256sum >/dev/null || die "needs sha256sum (coreutils)"
if [ -n "$server_bin" ]; then
  [ -x "$server_bin" ] || die "--server-bin $server_bin is not an executable"
fi

mkdir -p "$out"
chmod 700 "$out"
cd "$out"
if $force; then
  rm -f ca.crt ca.key ca.srl server.crt server.key Client1.crt Client1.key Client2.crt Client2.key \
        member.token member.token.old watcher.token watcher.token.old auth
fi

days_ca=730
days_leaf=365
# A file the containers read must be readable by their user (10001), which
# does not own it on this machine: the folder (0700) keeps other local users
# out. The CA's key is never mounted anywhere and stays 0600.
share() { chmod 644 "$@"; }

# good CERT: exists and is valid for at least 30 more days (and signed by our CA).
good() {
  [ -s "$1" ] && openssl x509 -in "$1" -noout -checkend $((30 * 86400)) >/dev/null 2>&1 \
    && { [ "$1" = ca.crt ] || openssl verify -CAfile ca.crt "$1" >/dev/null 2>&1; }
}

if ! good ca.crt || [ ! -s ca.key ]; then
  echo "make-dev-pki: new CA (baton dev CA - not for production)"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
    -keyout ca.key -out ca.crt -days "$days_ca" \
    -subj "/O=baton dev - NOT FOR PRODUCTION/CN=baton dev CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  # Everything signed by an older CA is reissued below.
  rm -f server.crt Client1.crt Client2.crt ca.srl
fi
share ca.crt

# leaf NAME CN KIND SANS: NAME.key and NAME.crt for CN, signed by the CA.
leaf() {
  local name=$1 cn=$2 kind=$3 sans=$4 conf
  conf=$(mktemp)
  cat >"$conf" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=$kind
subjectAltName=$sans
EOF
  [ -s "$name.key" ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name.key" 2>/dev/null
  openssl req -new -key "$name.key" -subj "/O=baton dev - NOT FOR PRODUCTION/CN=$cn" 2>/dev/null \
    | openssl x509 -req -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days "$days_leaf" \
        -extfile "$conf" -out "$name.crt" 2>/dev/null
  rm -f "$conf"
  echo "make-dev-pki: new certificate $name.crt ($sans)"
}

server_sans="DNS:server-service,DNS:server-service.$ns.svc,DNS:server-service.$ns.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:::1"
# The server certificate also follows --namespace: reissued when its names differ.
if ! good server.crt || [ ! -s server.key ] \
   || ! openssl x509 -in server.crt -noout -ext subjectAltName 2>/dev/null | grep -q "DNS:server-service\.$ns\.svc,"; then
  leaf server server-service serverAuth "$server_sans"
fi
for c in Client1 Client2; do
  good "$c.crt" && [ -s "$c.key" ] || leaf "$c" "$c" clientAuth "DNS:$c"
done
share server.crt server.key Client1.crt Client1.key Client2.crt Client2.key

# Tokens: 32 random bytes as unpadded base64url (43 characters), as
# `baton-server --new-token` makes them. The auth file holds only their
# SHA-256, "sha256:" + 64 lowercase hex digits of the token's bytes.
new_token() {
  if [ -n "$server_bin" ]; then
    "$server_bin" --new-token 2>/dev/null
  else
    openssl rand 32 | openssl base64 -A | tr '+/' '-_' | tr -d '='
    echo
  fi
}
hash_of() {
  local h
  h="sha256:$(printf '%s' "$(head -n1 "$1")" | sha256sum | cut -d' ' -f1)"
  if [ -n "$server_bin" ]; then
    [ "$("$server_bin" --hash-token <"$1")" = "$h" ] || die "$1: sha256sum and baton-server --hash-token disagree"
  fi
  echo "$h"
}
for t in member watcher; do
  if [ "$rotate" = "$t" ]; then
    [ ! -e "$t.token.old" ] || die "$t.token.old exists: --retire $t first (after the clients use $t.token)"
    [ -s "$t.token" ] && mv "$t.token" "$t.token.old"
    echo "make-dev-pki: $t.token rotated; the old one stays granted until --retire $t"
  fi
  if [ "$retire" = "$t" ] && [ -e "$t.token.old" ]; then
    rm -f "$t.token.old"
    echo "make-dev-pki: $t.token.old retired"
  fi
  if [ ! -s "$t.token" ]; then
    new_token >"$t.token"
    echo "make-dev-pki: new token $t.token"
  fi
  [[ "$(head -n1 "$t.token")" =~ ^[!-~]{1,256}$ ]] || die "$t.token: a token is 1 to 256 printable characters without spaces"
done
share member.token watcher.token
[ ! -e member.token.old ] || share member.token.old
[ ! -e watcher.token.old ] || share watcher.token.old

# The auth file, written afresh every time from what is there (the server
# reads it again on SIGHUP).
{
  echo "# baton --auth-file written by scripts/make-dev-pki.sh: FOR TRYING OUT ONLY, not production."
  echo "# <credential> <roles> <rings> [<label>]; tokens appear only as their SHA-256."
  echo "$(hash_of member.token) member default clients"
  [ ! -e member.token.old ] || echo "$(hash_of member.token.old) member default clients  # old, until --retire member"
  echo "$(hash_of watcher.token) watcher * ops"
  [ ! -e watcher.token.old ] || echo "$(hash_of watcher.token.old) watcher * ops  # old, until --retire watcher"
  echo "# mutual TLS (compose.secure.yaml): a client certificate whose CN is the member's name"
  echo "cert:Client1 member default"
  echo "cert:Client2 member default"
} >auth.new
# Rewritten in place, not renamed over: compose.secure.yaml bind-mounts this
# one file, and a bind mount keeps showing the file it was made with.
cat auth.new >auth
rm -f auth.new
share auth

cat >README.txt <<'EOF'
FOR TRYING BATON OUT ONLY - NOT FOR PRODUCTION.
Written by scripts/make-dev-pki.sh (docs/SECURITY-DEPLOY.md); never commit
these files. Delete the folder, or run the script with --force, to start over.
EOF
share README.txt
echo "make-dev-pki: $out is ready (dev only: a self-signed CA whose key sits next to it)"
