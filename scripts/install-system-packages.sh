#!/usr/bin/env bash
# Installs the Debian packages healthpredict needs that npm cannot bring: the XGBoost native library that
# training loads, and the font the charts are drawn with. Does nothing when they are already there.
set -euo pipefail

packages=(libxgboost-dev fonts-dejavu-core "$@")
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq "${missing[@]}"
