#!/usr/bin/env bash
# A sandbox where the real podman reads only files we give it: private mount and network
# namespaces, a temp dir bind-mounted over /etc/containers, /etc/docker and /etc/hosts, a tmpfs
# on /run (so /run/containers/0/auth.json is ours), HOME and podman's storage in the temp dir,
# and two distribution registries on the namespace's own 127.0.0.1 with a test CA:
#   registry.sandbox.test:5443  TLS, htpasswd (user regsetup / password in $SANDBOX/password)
#   mirror.sandbox.test:5444    TLS, anonymous: plays a Docker Hub mirror
# Usage: sandbox.sh COMMAND [ARGS…]   — runs COMMAND inside, with SANDBOX=<dir> exported.
#        (test/podman-sandbox/run.sh builds regsetup and runs the check suite in here.)
# Needs root, podman, docker-registry, openssl, htpasswd, unshare. Touches no host path.
set -euo pipefail

if [[ "${1:-}" != --inside ]]; then
  [[ $(id -u) == 0 ]] || { echo "sandbox.sh needs root (mount namespaces)" >&2; exit 2; }
  for bin in podman docker-registry openssl htpasswd unshare ip; do
    command -v "$bin" >/dev/null || { echo "sandbox.sh needs $bin" >&2; exit 2; }
  done
  SANDBOX=$(mktemp -d /tmp/regsetup-podman-sandbox.XXXXXX)
  export SANDBOX
  trap 'rm -rf "$SANDBOX"' EXIT
  mkdir -p "$SANDBOX"/{pki,etc-containers,etc-docker,home,storage,runroot,tmp,registry,mirror,bin,logs}
  # The host's /etc/containers as Debian installs it, copied: podman needs policy.json.
  cp -a /etc/containers/. "$SANDBOX/etc-containers/"
  rm -f "$SANDBOX/etc-containers/registries.conf.d/"*regsetup* 2>/dev/null || true
  (
    cd "$SANDBOX/pki"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=regsetup sandbox CA' -keyout ca.key -out ca.crt \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj '/CN=registry.sandbox.test' -keyout server.key -out server.csr 2>/dev/null
    printf 'subjectAltName=DNS:registry.sandbox.test,DNS:mirror.sandbox.test\nextendedKeyUsage=serverAuth\n' > ext.cnf
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out server.crt 2>/dev/null
  )
  head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$SANDBOX/password"
  htpasswd -Bbn regsetup "$(cat "$SANDBOX/password")" > "$SANDBOX/htpasswd" 2>/dev/null
  for name in registry mirror; do
    port=$([[ $name == registry ]] && echo 5443 || echo 5444)
    auth=""
    [[ $name == registry ]] && auth=$'auth:\n  htpasswd:\n    realm: sandbox\n    path: '"$SANDBOX/htpasswd"
    cat > "$SANDBOX/$name.yml" <<YML
version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: $SANDBOX/$name }
  delete: { enabled: true }
http:
  addr: 127.0.0.1:$port
  tls: { certificate: $SANDBOX/pki/server.crt, key: $SANDBOX/pki/server.key }
$auth
YML
  done
  printf '127.0.0.1 localhost registry.sandbox.test mirror.sandbox.test\n' > "$SANDBOX/hosts"
  cat > "$SANDBOX/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$SANDBOX/storage"
runroot = "$SANDBOX/runroot"
CONF
  cat > "$SANDBOX/containers.conf" <<CONF
[engine]
events_logger = "file"
events_logfile_path = "$SANDBOX/logs/events.log"
cgroup_manager = "cgroupfs"
CONF
  unshare --mount --net --propagation private -- "$0" --inside "$@"
  exit $?
fi

shift
ip link set lo up
mount --bind "$SANDBOX/etc-containers" /etc/containers
mount --bind "$SANDBOX/etc-docker" /etc/docker
mount --bind "$SANDBOX/hosts" /etc/hosts
mount -t tmpfs -o mode=0755 tmpfs /run
# regsetup's journal, lock and backups (/var/lib/regsetup) and podman's default storage live under
# /var/lib: a private tmpfs hides the host's for everything started in here.
mount -t tmpfs -o mode=0755 tmpfs /var/lib
export HOME="$SANDBOX/home" TMPDIR="$SANDBOX/tmp"
export CONTAINERS_STORAGE_CONF="$SANDBOX/storage.conf" CONTAINERS_CONF="$SANDBOX/containers.conf"
export PATH="$SANDBOX/bin:$PATH"
unset XDG_RUNTIME_DIR XDG_CONFIG_HOME DOCKER_CONFIG REGISTRY_AUTH_FILE
for name in registry mirror; do
  docker-registry serve "$SANDBOX/$name.yml" > "$SANDBOX/logs/$name.log" 2>&1 &
done
for port in 5443 5444; do
  for _ in $(seq 100); do
    curl -s -o /dev/null --cacert "$SANDBOX/pki/ca.crt" "https://registry.sandbox.test:$port/v2/" && break
    sleep 0.1
  done
done
set +e
"$@"
status=$?
kill $(jobs -p) 2>/dev/null
wait 2>/dev/null
exit $status
