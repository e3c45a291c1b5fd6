# Container engine and image registry for the build, push and image tests: Debian's dockerd and
# docker-registry, both on this machine only, and the base image made from this machine's own node (no public
# registry is reachable). Sourced by .ci/run, which installs the packages and then calls start_containers.
#
# dockerd runs without a bridge network or iptables rules (containers use the host's network, and the tests
# talk to them on 127.0.0.1 only); the registry listens on 127.0.0.1:5000, which Docker allows over plain
# HTTP. Every wait is bounded, so a daemon that will not start fails CI instead of hanging it.

packages+=(docker.io docker-registry)

HEALTHPREDICT_DOCKER_SOCKET=/var/run/docker.sock
HEALTHPREDICT_REGISTRY_ADDR=127.0.0.1:5000
HEALTHPREDICT_CONTAINER_LOGS=/var/log/healthpredict

# Waits up to $1 seconds for the command after it to succeed.
containers_wait_for() {
  local seconds="$1"
  shift
  for _ in $(seq 1 $((seconds * 4))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  return 1
}

containers_registry_answers() {
  timeout 5 node -e "fetch('http://$HEALTHPREDICT_REGISTRY_ADDR/v2/').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
}

start_containers() {
  mkdir -p "$HEALTHPREDICT_CONTAINER_LOGS"
  local docker=/usr/bin/docker
  [ -x "$docker" ] || docker="$(command -v docker)"

  if ! timeout 5 "$docker" -H "unix://$HEALTHPREDICT_DOCKER_SOCKET" version >/dev/null 2>&1; then
    echo "containers: starting dockerd (log: $HEALTHPREDICT_CONTAINER_LOGS/dockerd.log)"
    nohup dockerd --host "unix://$HEALTHPREDICT_DOCKER_SOCKET" --bridge=none --iptables=false --ip-masq=false \
      >"$HEALTHPREDICT_CONTAINER_LOGS/dockerd.log" 2>&1 </dev/null &
    if ! containers_wait_for 60 timeout 5 "$docker" -H "unix://$HEALTHPREDICT_DOCKER_SOCKET" version; then
      echo "containers: dockerd did not answer within 60 s; the image tests will be skipped"
      tail -n 20 "$HEALTHPREDICT_CONTAINER_LOGS/dockerd.log" || true
      return 0
    fi
  fi

  if ! containers_registry_answers >/dev/null 2>&1; then
    echo "containers: starting docker-registry on $HEALTHPREDICT_REGISTRY_ADDR"
    mkdir -p /var/lib/healthpredict-registry
    cat >"$HEALTHPREDICT_CONTAINER_LOGS/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: /var/lib/healthpredict-registry
  delete:
    enabled: true
http:
  addr: $HEALTHPREDICT_REGISTRY_ADDR
EOF
    nohup docker-registry serve "$HEALTHPREDICT_CONTAINER_LOGS/registry.yml" \
      >"$HEALTHPREDICT_CONTAINER_LOGS/registry.log" 2>&1 </dev/null &
    if ! containers_wait_for 30 containers_registry_answers; then
      echo "containers: docker-registry did not answer within 30 s"
      tail -n 20 "$HEALTHPREDICT_CONTAINER_LOGS/registry.log" || true
      return 0
    fi
  fi

  if ! timeout 10 "$docker" image inspect healthpredict/node-base:20 >/dev/null 2>&1; then
    echo "containers: making the base image healthpredict/node-base:20 from $(command -v node)"
    DOCKER="$docker" timeout 120 bash templates/docker/make-base-image.sh healthpredict/node-base:20 ||
      echo "containers: the base image could not be made; the image tests will fail"
  fi
}
