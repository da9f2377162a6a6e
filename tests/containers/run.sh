#!/usr/bin/env bash
# Containers and Kubernetes, for real: builds both images with the seed's own
# commands, runs a server and two clients, checks the turns, the SIGTERM exit,
# image size and user; validates the manifests offline; plays them with
# podman kube play. Then the secure deployment (docs/SECURITY-DEPLOY.md): the
# dev PKI, the rendered k8s/secure overlay and compose.secure.yaml checked
# offline, both played (TLS only, tokens, mutual TLS, a token rotated by
# SIGHUP); their clients take turns once the client image speaks TLS.
# Cleans up after itself. Exit 0 pass, 1 fail, 77 skipped.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
step() { echo; echo "== $* ($(date +%T))"; }

step "tools"
need=()
command -v podman >/dev/null || need+=(podman runc)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v node >/dev/null || need+=(nodejs npm)
command -v openssl >/dev/null || need+=(openssl)  # scripts/make-dev-pki.sh
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null || {
    echo "SKIPPED: cannot install ${need[*]}"; exit 77; }
fi
# A Docker engine is used as it is; otherwise podman with this machine's settings.
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  ctr=docker
else
  ctr=podman
  export CONTAINERS_CONF="$here/containers.conf"
fi
echo "container engine: $ctr"

server=baton-ct-server; c1=baton-ct-client1; c2=baton-ct-client2
secure=baton-ct-secure  # compose.secure.yaml's services: $secure-server, -client1, -client2
play=$(mktemp -d)
# One by one: podman rm stops at the first name it does not know.
remove() { for c in "$@"; do $ctr rm -f -t 0 "$c" >/dev/null 2>&1; done; }
cleanup() {
  remove "$server" "$c1" "$c2" "$secure-server" "$secure-client1" "$secure-client2"
  if [ "$ctr" = podman ]; then
    [ -f "$play/play.yaml" ] && podman kube down "$play/play.yaml" >/dev/null 2>&1
    [ -f "$play/secure-play.yaml" ] && podman kube down "$play/secure-play.yaml" >/dev/null 2>&1
  fi
  rm -rf "$play"
}
trap cleanup EXIT
cleanup_before() { $ctr rm -f -t 0 "$server" "$c1" "$c2" >/dev/null 2>&1; }
cleanup_before

# turns LOG MIN [any]: checks the seed-style lines alternate between two names,
# and the numbers run 1, 2, 3, ... with no gap and no repeat ("any": whichever
# client joined first, so 2, 1, 4, 3, ... too, each name stepping by 2).
turns() {
  python3 - "$1" "$2" "${3:-}" <<'PY'
import re, sys
lines = [(m.group(1), int(m.group(2))) for m in re.finditer(r"^(\S+) sent: (\d+)$", open(sys.argv[1]).read(), re.M)]
need = int(sys.argv[2])
assert len(lines) >= need, f"only {len(lines)} turns"
names = [n for n, _ in lines]
assert len(set(names)) == 2, f"names: {set(names)}"
assert all(a != b for a, b in zip(names, names[1:])), "not alternating"
for name in set(names):
    mine = [v for n, v in lines if n == name]
    assert mine == list(range(mine[0], mine[0] + 2 * len(mine), 2)), f"{name} does not step by 2: {mine}"
nums = [v for _, v in lines]
if sys.argv[3] == "any":
    nums.sort()
assert nums == list(range(1, len(nums) + 1)), f"numbers not 1..n: {nums[:20]}"
print(f"{len(lines)} turns, alternating, 1..{len(nums)} with no gap")
PY
}

step "base image"
if [ "$ctr" = podman ]; then bash "$here/base-image.sh" || { fail "base image"; exit 1; }; fi

step "build, with the seed's commands"
t0=$(date +%s)
$ctr build --pull=never -t server-image:latest -f Dockerfile.server . >"$play/build-server.log" 2>&1 \
  && pass "server image built" || { tail -30 "$play/build-server.log"; fail "server image build"; exit 1; }
$ctr build --pull=never -t client-image:latest -f Dockerfile.client . >"$play/build-client.log" 2>&1 \
  && pass "client image built" || { tail -30 "$play/build-client.log"; fail "client image build"; exit 1; }
echo "builds took $(( $(date +%s) - t0 ))s"
for img in server-image client-image; do
  size=$($ctr image inspect "$img:latest" --format '{{.Size}}')
  user=$($ctr image inspect "$img:latest" --format '{{.Config.User}}')
  echo "$img: $((size / 1000000)) MB, USER $user"
  [ "$size" -le 100000000 ] && pass "$img is at most 100 MB" || fail "$img is $size bytes"
  [[ "$user" =~ ^[1-9][0-9]*(:[0-9]+)?$ ]] && pass "$img runs as numeric non-root user $user" || fail "$img USER '$user'"
done

step "one server and two clients"
$ctr run -d --name "$server" --network host server-image:latest >/dev/null
sleep 0.5
$ctr run -d --name "$c1" --network host client-image:latest --name Client1 --start 1 --interval 0.1 >/dev/null
sleep 0.3  # Client1 joins first, so the log starts at 1
$ctr run -d --name "$c2" --network host client-image:latest --name Client2 --start 2 --interval 0.1 >/dev/null
for _ in $(seq 50); do
  $ctr logs "$server" >"$play/server.log" 2>&1
  [ "$(grep -c ' sent: ' "$play/server.log")" -ge 12 ] && break
  sleep 0.2
done
echo "--- first lines of the server container's log"; head -8 "$play/server.log"
turns "$play/server.log" 12 && pass "server log alternates 1, 2, 3, ... with no gap" || fail "turns in the server log"
uid=$($ctr exec "$server" cat /proc/1/status | awk '/^Uid:/ {print $2}')
[ -n "$uid" ] && [ "$uid" != 0 ] && pass "baton-server runs as uid $uid" || fail "baton-server runs as uid '$uid'"
start=$(date +%s%N)
$ctr kill -s TERM "$server" >/dev/null
for _ in $(seq 100); do
  [ "$($ctr inspect "$server" --format '{{.State.Running}}')" = false ] && break
  sleep 0.05
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
code=$($ctr inspect "$server" --format '{{.State.ExitCode}}')
echo "SIGTERM: exit code $code after ${ms} ms"
[ "$code" = 0 ] && [ "$ms" -le 2000 ] && pass "SIGTERM: clean exit 0 within 2 s" || fail "SIGTERM: exit $code after ${ms} ms"
$ctr logs "$server" 2>&1 | tail -3
cleanup_before

step "manifests: Kubernetes schema (kubernetes-models 4.5.1) and the project's rules"
if (cd "$here/validate" && npm install --no-audit --no-fund --silent >/dev/null 2>&1); then
  node "$here/validate/validate.mjs" k8s/server-deployment.yaml k8s/client-deployment.yaml \
    && pass "manifests valid" || fail "manifest validation"
else
  fail "npm install of the validators"
fi
if command -v kubectl >/dev/null; then
  kubectl kustomize k8s >"$play/rendered.yaml" && pass "kubectl kustomize k8s renders $(grep -c '^kind:' "$play/rendered.yaml") objects" \
    || fail "kubectl kustomize"
else
  echo "SKIPPED: kubectl absent, kustomization not rendered"
fi

if [ "$ctr" = podman ]; then
  step "podman kube play of the manifests"
  # podman has no Services and makes one pod per Deployment: the test plays
  # the server and two copies of the client Deployment on the host network,
  # with BATON_HOST pointed at the host (validate/play.mjs).
  node "$here/validate/play.mjs" k8s "$play/play.yaml"
  if podman kube play --network host "$play/play.yaml" >"$play/play.log" 2>&1; then
    pass "podman kube play started the Deployments"
    pod=$(podman ps --format '{{.Names}}' | grep '^server-deployment' | grep -v infra | head -1)
    for _ in $(seq 50); do
      podman logs "$pod" >"$play/kube-server.log" 2>&1
      [ "$(grep -c ' sent: ' "$play/kube-server.log")" -ge 8 ] && break
      sleep 0.2
    done
    head -5 "$play/kube-server.log"
    turns "$play/kube-server.log" 8 any && pass "kube play: server log alternates with no gap" || fail "kube play turns"
  else
    cat "$play/play.log"; fail "podman kube play"
  fi
  podman kube down "$play/play.yaml" >/dev/null 2>&1
fi

step "secure deployment: the dev PKI, the k8s/secure overlay and compose.secure.yaml, offline"
# Everything secret is made afresh in the scratch folder: the working tree's
# k8s/secure/generated is never read or written.
cp -a k8s "$play/k8s"
rm -rf "$play/k8s/secure/generated"
gen="$play/k8s/secure/generated"
if bash scripts/make-dev-pki.sh --out "$gen" >"$play/pki.log" 2>&1; then
  pass "make-dev-pki.sh wrote $(ls "$gen" | wc -l) files"
else
  cat "$play/pki.log"; fail "make-dev-pki.sh"
fi
sums() { (cd "$gen" && sha256sum -- * | sha256sum); }
before=$(sums)
bash scripts/make-dev-pki.sh --out "$gen" >/dev/null 2>&1 && [ "$(sums)" = "$before" ] \
  && pass "make-dev-pki.sh again changes nothing" || fail "make-dev-pki.sh is not idempotent"
openssl verify -CAfile "$gen/ca.crt" "$gen/server.crt" "$gen/Client1.crt" "$gen/Client2.crt" >/dev/null \
  && [[ "$(openssl x509 -in "$gen/server.crt" -noout -checkhost server-service)" =~ "does match" ]] \
  && [[ "$(openssl x509 -in "$gen/Client1.crt" -noout -subject)" =~ "CN = Client1"$ ]] \
  && pass "certificates: signed by the dev CA, server-service, CN = member name" || fail "dev certificates"
for t in member watcher; do
  h=$($ctr run --rm -i server-image:latest --hash-token <"$gen/$t.token" 2>/dev/null)
  [[ "$h" =~ ^sha256:[0-9a-f]{64}$ ]] && grep -q "^$h " "$gen/auth" \
    && pass "$t.token: the auth file holds the hash baton-server --hash-token gives" || fail "$t.token hash ('$h')"
done
if command -v kubectl >/dev/null; then
  kubectl kustomize k8s >"$play/plain.yaml" \
    && node "$here/validate/secure.mjs" plain "$play/plain.yaml" k8s/server-deployment.yaml k8s/client-deployment.yaml \
    && pass "the plain deployment is the seed's files, untouched by the overlay" || fail "plain deployment"
  if kubectl kustomize "$play/k8s/secure" >"$play/secure.yaml"; then
    pass "kubectl kustomize k8s/secure renders $(grep -c '^kind:' "$play/secure.yaml") objects"
    node "$here/validate/secure.mjs" kube "$play/secure.yaml" "$gen" && pass "secure overlay" || fail "secure overlay"
  else
    fail "kubectl kustomize k8s/secure"
  fi
else
  echo "SKIPPED: kubectl absent, k8s/secure not rendered"
fi
node "$here/validate/secure.mjs" compose compose.secure.yaml "$gen" && pass "compose.secure.yaml" || fail "compose.secure.yaml"

# hello ROLE NAME [tls_hello.py options]: the server's answer to one HELLO on
# 127.0.0.1:5443, verifying server-service against the dev CA.
hello() {
  local role=$1 name=$2; shift 2
  python3 "$here/tls_hello.py" 127.0.0.1 5443 "$gen/ca.crt" server-service "$role" default "$name" "$@" 2>&1
}
# expect WHAT PATTERN ROLE NAME [options]
expect() {
  local what=$1 pattern=$2 got; shift 2
  got=$(hello "$@")
  [[ "$got" =~ $pattern ]] && pass "$what: $got" || fail "$what: got '$got'"
}
wait_tls() {
  for _ in $(seq 50); do
    python3 - <<'PY' 2>/dev/null && return 0
import socket; socket.create_connection(("127.0.0.1", 5443), timeout=1).close()
PY
    sleep 0.2
  done
  return 1
}
plain_closed() {
  python3 - <<'PY'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", 5001), timeout=1).close()
except OSError:
    sys.exit(0)
sys.exit(1)
PY
}
# The client image speaks TLS once baton-client has --tls and --token-file.
if [[ "$($ctr run --rm client-image:latest --help 2>&1)" =~ --token-file ]]; then tls_client=true; else tls_client=false; fi
$tls_client || echo "NOTE: client-image has no --tls/--token-file yet: the secure deployments run their server only"

if [ "$ctr" = podman ] && [ -s "$play/secure.yaml" ]; then
  step "secure overlay played: TLS only, tokens, a token rotated by SIGHUP"
  # podman cannot mount Secrets: play-secure.mjs writes them out and mounts
  # the folders at the overlay's paths.
  only=--server-only; $tls_client && only=
  node "$here/validate/play-secure.mjs" kube "$play/secure.yaml" "$play/secrets" "$play/secure-play.yaml" $only
  if podman kube play --network host "$play/secure-play.yaml" >"$play/secure-play.log" 2>&1 && wait_tls; then
    pass "podman kube play started the secure server"
    spod=$(podman ps --format '{{.Names}}' | grep '^server-deployment' | grep -v infra | head -1)
    plain_closed && pass "no plain port 5001 (--no-plain)" || fail "port 5001 answers"
    python3 -c 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:9090/readyz", timeout=2)' \
      && pass "the admin port answers /readyz on the pod" || fail "admin /readyz"
    expect "member token" '^WELCOME default probe ' member probe --token-file "$gen/member.token"
    expect "no token" '^ERROR AUTH_FAILED' member probe
    expect "watcher token as a member" '^ERROR FORBIDDEN' member probe --token-file "$gen/watcher.token"
    expect "watcher token as a watcher" '^WELCOME default ops-watch ' watcher ops-watch --token-file "$gen/watcher.token"
    got=$(python3 "$here/tls_hello.py" 127.0.0.1 5443 "$gen/ca.crt" not-the-server member default probe --token-file "$gen/member.token")
    [[ "$got" =~ ^TLS ]] && pass "a client checking another name refuses the server" || fail "name check: $got"
    if $tls_client; then
      for _ in $(seq 50); do
        podman logs "$spod" >"$play/secure-server.log" 2>&1
        [ "$(grep -c ' sent: ' "$play/secure-server.log")" -ge 8 ] && break
        sleep 0.2
      done
      turns "$play/secure-server.log" 8 any && pass "secure kube play: clients over TLS with tokens alternate" || fail "secure kube play turns"
    fi
    # Rotation as docs/SECURITY-DEPLOY.md does it: a new token beside the old
    # one, the Secret updated in place, SIGHUP; then the old one retired.
    cp "$gen/member.token" "$play/old.token"
    bash scripts/make-dev-pki.sh --out "$gen" --rotate member >/dev/null
    kubectl kustomize "$play/k8s/secure" >"$play/secure2.yaml"
    node "$here/validate/play-secure.mjs" kube "$play/secure2.yaml" "$play/secrets" -
    podman kill -s HUP "$spod" >/dev/null; sleep 0.5
    expect "rotation: the old token, still granted" '^WELCOME ' member probe --token-file "$play/old.token"
    expect "rotation: the new token" '^WELCOME ' member probe --token-file "$gen/member.token"
    bash scripts/make-dev-pki.sh --out "$gen" --retire member >/dev/null
    kubectl kustomize "$play/k8s/secure" >"$play/secure2.yaml"
    node "$here/validate/play-secure.mjs" kube "$play/secure2.yaml" "$play/secrets" -
    podman kill -s HUP "$spod" >/dev/null; sleep 0.5
    expect "rotation: the old token, retired" '^ERROR AUTH_FAILED' member probe --token-file "$play/old.token"
    if $tls_client; then
      # The clients still held the old token (no rollout here): the server
      # closes them, and restarted they read the new one from the Secret.
      for _ in $(seq 75); do
        podman logs "$spod" >"$play/secure-server.log" 2>&1
        rejoined=$(grep -c '^client-deployment-[12]-pod-0 joined ring default' "$play/secure-server.log")
        [ "$rejoined" -ge 4 ] && break
        sleep 0.2
      done
      [ "$rejoined" -ge 4 ] && pass "retiring the old token closed the clients; restarted, they joined with the new one" \
        || fail "clients after the retirement: $rejoined joins"
    fi
    podman logs "$spod" >"$play/secure-server.log" 2>&1
    [ "$(grep -c 'signal SIGHUP: reloading' "$play/secure-server.log")" -eq 2 ] \
      && pass "the server logged its two reloads" || fail "reloads in the log: $(grep -c 'signal SIGHUP' "$play/secure-server.log")"
    podman logs "$spod" >"$play/secure-server.log" 2>&1
    if grep -F -f <(head -n1 "$gen/member.token"; head -n1 "$gen/watcher.token"; head -n1 "$play/old.token") "$play/secure-server.log" >/dev/null; then
      fail "a token appears in the server's log"
    else
      pass "no token in the server's log"
    fi
  else
    cat "$play/secure-play.log"; fail "podman kube play of the secure overlay"
  fi
  podman kube down "$play/secure-play.yaml" >/dev/null 2>&1
elif [ "$ctr" = podman ]; then
  echo "SKIPPED: k8s/secure not rendered, so not played"
fi

step "compose.secure.yaml run: mutual TLS"
# No compose here: each service is run with its own settings from the file
# (play-secure.mjs), on the host network.
run_service() {
  local args=()
  mapfile -d '' args < <(node "$here/validate/play-secure.mjs" compose compose.secure.yaml "$gen" "$1" "$secure")
  $ctr run -d "${args[@]}" >/dev/null
}
if run_service server && wait_tls; then
  pass "the compose server started"
  plain_closed && pass "no plain port 5001" || fail "port 5001 answers"
  expect "Client1's certificate" '^WELCOME default Client1 ' member Client1 --cert "$gen/Client1.crt" --key "$gen/Client1.key"
  expect "Client1's certificate, named Client2" '^ERROR FORBIDDEN' member Client2 --cert "$gen/Client1.crt" --key "$gen/Client1.key"
  expect "a token but no certificate" '^TLS' member Client1 --token-file "$gen/member.token"
  if $tls_client; then
    run_service client1; sleep 0.3; run_service client2
    for _ in $(seq 50); do
      $ctr logs "$secure-server" >"$play/compose-server.log" 2>&1
      [ "$(grep -c ' sent: ' "$play/compose-server.log")" -ge 8 ] && break
      sleep 0.2
    done
    turns "$play/compose-server.log" 8 && pass "compose: Client1 and Client2 over mutual TLS alternate" || fail "compose turns"
  fi
else
  $ctr logs "$secure-server" 2>&1 | tail -5; fail "the compose server did not start"
fi
remove "$secure-server" "$secure-client1" "$secure-client2"

echo
if [ "$fails" -eq 0 ]; then echo "containers: all checks passed"; exit 0; fi
echo "containers: $fails check(s) failed"; exit 1
