#!/usr/bin/env bash
# Makes the base image of `healthpredict build` from this machine alone, for engines that reach no public
# registry: a root file system holding this machine's `node` binary, the shared libraries it links, a CA bundle,
# and a non-root user (healthpredict, uid 10001), imported into the engine with `docker import`. It holds no
# shell, compiler or package manager.
#
#   templates/docker/make-base-image.sh [TAG]              default TAG: healthpredict/node-base:20
#   templates/docker/make-base-image.sh --with-xgboost [TAG]
#
# --with-xgboost adds libxgboost and the libraries it links, for images that run training trials
# (`train --executor kubernetes`); serving never needs it. NODE_BINARY picks another node; DOCKER picks the
# client (default: docker on PATH).
set -euo pipefail

with_xgboost=false
if [ "${1:-}" = "--with-xgboost" ]; then
  with_xgboost=true
  shift
fi
tag="${1:-healthpredict/node-base:20}"
docker_cli="${DOCKER:-docker}"
node_binary="$(readlink -f "${NODE_BINARY:-$(command -v node)}")"

root="$(mktemp -d)"
chmod 0755 "$root"
trap 'rm -rf "$root"' EXIT

# Copies a shared object to the same path in the image, and the libraries it links (ldd lists them all, with
# their own dependencies, so one level is enough).
copy_with_libraries() {
  local binary="$1" target="$2"
  install -D -m 0755 "$binary" "$root$target"
  ldd "$binary" | awk '/=> \// {print $3} /^[[:space:]]*\/[^ ]+ \(/ {print $1}' | while read -r library; do
    [ -e "$root$library" ] || install -D -m 0755 "$(readlink -f "$library")" "$root$library"
  done
}

copy_with_libraries "$node_binary" /usr/local/bin/node
env_lines=('ENV PATH=/usr/local/bin:/usr/bin:/bin' 'ENV HOME=/tmp')
if [ "$with_xgboost" = true ]; then
  library="$(readlink -f "${HEALTHPREDICT_XGBOOST_LIB:-/usr/lib/x86_64-linux-gnu/libxgboost.so}")"
  copy_with_libraries "$library" /usr/local/lib/libxgboost.so
  env_lines+=('ENV HEALTHPREDICT_XGBOOST_LIB=/usr/local/lib/libxgboost.so')
fi

mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/home/healthpredict"
chmod 1777 "$root/tmp"
chown 10001:10001 "$root/home/healthpredict"
if [ -e /etc/ssl/certs/ca-certificates.crt ]; then
  install -m 0644 /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
fi
printf '%s\n' 'root:x:0:0:root:/root:/nonexistent' \
  'healthpredict:x:10001:10001:healthpredict:/home/healthpredict:/nonexistent' \
  'nobody:x:65534:65534:nobody:/nonexistent:/nonexistent' >"$root/etc/passwd"
printf '%s\n' 'root:x:0:' 'healthpredict:x:10001:' 'nogroup:x:65534:' >"$root/etc/group"
printf '%s\n' 'hosts: files dns' >"$root/etc/nsswitch.conf"

changes=()
for line in "${env_lines[@]}" 'USER 10001:10001' 'WORKDIR /tmp' 'CMD ["node"]'; do
  changes+=(--change "$line")
done
tar --numeric-owner -C "$root" -c . |
  "$docker_cli" import "${changes[@]}" --message "node $("$node_binary" --version) from $(hostname)" - "$tag" >/dev/null
echo "$tag"
