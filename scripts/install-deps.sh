#!/usr/bin/env bash
# Installs the Debian bookworm packages baton needs to build, test and benchmark.
# Idempotent: does nothing when everything is already there.
set -euo pipefail
pkgs=(cmake ninja-build g++ pkg-config python3
      libboost1.81-dev libboost-url1.81-dev prometheus-cpp-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
      libgtest-dev libssl-dev openssl
      libhiredis-dev redis-server liburing-dev strace procps
      iproute2 iptables prometheus)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
