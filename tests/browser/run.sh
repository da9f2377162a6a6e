#!/usr/bin/env bash
# Installs what the status-page browser test needs (node >= 20, npm, Chromium,
# playwright-core from package-lock.json into tests/browser/node_modules) and runs
# it, passing the arguments through:
#
#   bash tests/browser/run.sh --server-bin PATH --client-bin PATH [--out PNG]
#
# Without --server-bin/--client-bin it tests build/release's binaries. Exit 0 pass, 1 fail,
# 77 skip (node, npm or Chromium can't be had).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
skip() { echo "SKIP: $*" >&2; exit 77; }

apt_install() {  # as root on Debian/Ubuntu only; quiet unless it fails
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
  local out
  out="$(DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" 2>&1)" && return 0
  out="$(DEBIAN_FRONTEND=noninteractive apt-get update 2>&1 &&
         DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" 2>&1)" && return 0
  echo "$out" | tail -5 >&2
  return 1
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt_install nodejs npm || skip "node and npm are not installed and could not be installed"
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$major" -ge 20 ] 2>/dev/null || skip "node $(node --version) is too old: playwright-core needs node 20 or later"

chromium="${CHROMIUM:-}"
if [ -z "$chromium" ]; then
  for c in /usr/bin/chromium /usr/bin/chromium-browser; do [ -x "$c" ] && chromium="$c" && break; done
fi
if [ -z "$chromium" ]; then
  apt_install chromium || skip "Chromium is not installed and 'apt-get install chromium' failed"
  chromium=/usr/bin/chromium
fi
[ -x "$chromium" ] || skip "no Chromium at $chromium"
export CHROMIUM="$chromium"

# Relative paths in the arguments stay relative to the caller's directory: only
# npm runs in tests/browser (node finds node_modules from the script's folder).
want="$(cd "$here" && node -p 'require("./package.json").dependencies["playwright-core"]')"
have="$(cd "$here" && node -p 'try { require("./node_modules/playwright-core/package.json").version } catch { "" }')"
if [ "$want" != "$have" ]; then
  if [ -f "$here/package-lock.json" ]; then
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || skip "npm ci failed (no registry?)"
  else
    (cd "$here" && npm install --no-audit --no-fund --loglevel=error) || skip "npm install failed (no registry?)"
  fi
fi

case " $* " in *" --server-bin "*) ;; *) set -- --server-bin "$root/build/release/apps/baton-server/baton-server" "$@" ;; esac
case " $* " in *" --client-bin "*) ;; *) set -- --client-bin "$root/build/release/apps/baton-client/baton-client" "$@" ;; esac
exec node "$here/status_page.mjs" "$@"
