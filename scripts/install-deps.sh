#!/usr/bin/env bash
# Installs everything dbsync needs to build and test, from Debian packages.
# Safe to re-run. Needs root (CI and the developer machines run as root);
# elsewhere it uses sudo.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates python3
  libsimdjson-dev libxxhash-dev libcli11-dev libfmt-dev libtomlplusplus-dev
  libsqlite3-dev sqlite3 libpq-dev libbson-dev libmongoc-dev
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  clang-format clang-19 libclang-rt-19-dev
  postgresql python3-mockupdb
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
