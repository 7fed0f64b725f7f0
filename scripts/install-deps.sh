#!/usr/bin/env bash
# Installs the Debian packages clusterscope builds and tests with.
# Safe to run repeatedly; uses sudo only when not already root.
set -euo pipefail
pkgs=(build-essential cmake pkg-config openmpi-bin libopenmpi-dev libsqlite3-dev
      libxlsxwriter-dev libcjson-dev sqlite3 python3 python3-openpyxl
      libreoffice-calc-nogui poppler-utils)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
