#!/usr/bin/env bash
# Containers and Kubernetes, for real: builds both images with the seed's own
# commands, runs a server and two clients, checks the turns, the SIGTERM exit,
# image size and user; validates the manifests offline; plays them with
# podman kube play. Cleans up after itself. Exit 0 pass, 1 fail, 77 skipped.
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
play=$(mktemp -d)
cleanup() {
  $ctr rm -f -t 0 "$server" "$c1" "$c2" >/dev/null 2>&1
  [ "$ctr" = podman ] && [ -f "$play/play.yaml" ] && podman kube down "$play/play.yaml" >/dev/null 2>&1
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

echo
if [ "$fails" -eq 0 ]; then echo "containers: all checks passed"; exit 0; fi
echo "containers: $fails check(s) failed"; exit 1
