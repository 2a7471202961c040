#!/usr/bin/env bash
# regsetup test lab: private registries in a network namespace, a CA, nginx shaped like Nexus,
# a token service, a skewed-clock front, a real dockerd sharing a real containerd (CRI plugin on),
# podman, a rootless dockerd for a test user, simulated fleet nodes, and a CA rotation host.
#
#   bash scripts/lab.sh up                     # idempotent; a second run is a quick no-op
#   bash scripts/lab.sh down                   # stop what the lab started (nodes too), remove every trace
#   bash scripts/lab.sh status                 # human-readable summary
#   bash scripts/lab.sh env                    # path of the lab JSON (read by test/e2e/helpers/lab.ts)
#   bash scripts/lab.sh restart-dockerd [F…]   # restart the lab's dockerd, with extra dockerd flags F…
#   bash scripts/lab.sh restart-containerd [--reset]
#                                              # restart the lab's containerd with its config.toml as it is
#                                              # now (tests edit it); --reset first puts the lab's default back
#   bash scripts/lab.sh nodes up [N]           # N simulated fleet nodes (default 3, at most 8), ansible inventory
#   bash scripts/lab.sh nodes down             # remove them (down does it too)
#   bash scripts/lab.sh rotate-ca stage|switch|finish|reset
#                                              # CA rotation on rotate.regsetup.test (scripts/lab/rotate.sh)
#
# Needs root (Debian 12). All state and logs live under /var/lib/regsetup-lab.
# Servers listen only on addresses inside the lab network namespace (10.213.0.0/24) and the
# nodes' namespaces (10.213.1.0/24). Docker Hub's names point at 127.0.0.9, where nothing listens.
set -euo pipefail

readonly LAB=/var/lib/regsetup-lab
readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HELPERS="$SCRIPT_DIR/lab"
readonly REPO_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"
readonly NETNS=regsetup-lab
readonly VETH_HOST=rslab0
readonly VETH_NS=rslab1
readonly HOST_IP=10.213.0.1
readonly DOMAIN=regsetup.test
readonly SERVICE=regsetup-lab
readonly ISSUER=regsetup-lab-token
readonly SKEW_SECONDS=10800
readonly DOCKER_SOCK=/var/run/docker.sock
readonly HOSTS_BEGIN='# regsetup-lab begin'
readonly HOSTS_END='# regsetup-lab end'

# name → address inside the namespace. TLS on 443 everywhere except plain (HTTP on 5000).
readonly NAMES=(group proxy-only hosted basic plain hub proxy skew auth rotate)
declare -A IP=(
  [group]=10.213.0.10 [proxy-only]=10.213.0.11 [hosted]=10.213.0.12 [basic]=10.213.0.13
  [plain]=10.213.0.14 [hub]=10.213.0.15 [proxy]=10.213.0.16 [skew]=10.213.0.17 [auth]=10.213.0.18
  [rotate]=10.213.0.19
)
# A runtime that falls back past a failed mirror to Docker Hub gets "connection refused" here,
# never the internet.
readonly HUB_BLACKHOLE=127.0.0.9
readonly HUB_NAMES=(registry-1.docker.io index.docker.io auth.docker.io docker.io production.cloudflare.docker.com)

# Never let anything the lab starts go through an HTTP proxy.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

log() { printf '[lab] %s\n' "$*" >&2; }
die() {
  printf '[lab] ERROR: %s\n' "$*" >&2
  exit 1
}
fqdn() { printf '%s.%s' "$1" "$DOMAIN"; }

need_root() { [[ $(id -u) -eq 0 ]] || die "run as root"; }

# A zombie answers kill -0 but is dead: PID 1 here does not always reap what the lab started.
pid_alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) != Z ]]; }
pidfile_alive() { [[ -s $1 ]] && pid_alive "$(cat "$1")"; }

tail_log() {
  local f=$1
  if [[ -f $f ]]; then
    printf -- '----- last lines of %s -----\n' "$f" >&2
    tail -n 30 "$f" >&2
    printf -- '-----\n' >&2
  fi
}

# curl that never uses a proxy and trusts the lab CA.
lab_curl() { curl --noproxy '*' --silent --show-error --cacert "$LAB/pki/ca.crt" --max-time 3 "$@"; }

# wait_http URL "200 401" LOGFILE [TIMEOUT_S]
wait_http() {
  local url=$1 want=$2 logf=$3 timeout=${4:-20} code deadline
  deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    code=$(lab_curl -o /dev/null -w '%{http_code}' "$url" 2>/dev/null || true)
    for w in $want; do [[ $code == "$w" ]] && return 0; done
    sleep 0.1
  done
  tail_log "$logf"
  die "$url did not answer with one of [$want] within ${timeout}s (last: ${code:-none})"
}

# The lab's other daemons and commands, one file each.
for f in containerd podman rootless nodes nodes-cmd rotate; do
  # shellcheck source=/dev/null
  source "$HELPERS/$f.sh"
done

# ---------------------------------------------------------------------------------------------
# 1. packages
# ---------------------------------------------------------------------------------------------
ensure_packages() {
  local -A bin_of=(
    [docker.io]=dockerd [docker-registry]=docker-registry [nginx-light]=nginx [apache2-utils]=htpasswd
    [openssl]=openssl [iproute2]=ip [curl]=curl [jq]=jq [pass]=pass
    [golang-docker-credential-helpers]=docker-credential-pass [tmux]=tmux
    [containerd]=containerd [podman]=podman [rootlesskit]=rootlesskit [uidmap]=newuidmap
    [slirp4netns]=slirp4netns [openssh-server]=sshd [openssh-client]=ssh [ansible]=ansible
    [ansible-lint]=ansible-lint [tini]=tini
    # Not a daemon of the lab: the unit tests validate deploy/cloud-init/user-data.yaml with `cloud-init schema`.
    [cloud-init]=cloud-init
  )
  local missing=() p
  for p in "${!bin_of[@]}"; do
    command -v "${bin_of[$p]}" >/dev/null 2>&1 || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  command -v node >/dev/null 2>&1 || [[ -x $REPO_DIR/node_modules/.bin/node ]] || die "no node binary (install the repo's npm deps or Debian's nodejs)"
}

# A statically linked busybox for the seeded images. Uses Debian's busybox-static when installed;
# otherwise extracts the binary from the .deb (no install: busybox-static conflicts with busybox).
static_busybox() {
  if dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'; then
    echo /bin/busybox
    return
  fi
  local dir=$LAB/cache/busybox-static
  if [[ ! -x $dir/bin/busybox ]]; then
    mkdir -p "$dir"
    log "fetching busybox-static (.deb, not installed)"
    (cd "$dir" && apt-get download -qq busybox-static >/dev/null 2>&1) ||
      { DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null && (cd "$dir" && apt-get download -qq busybox-static >/dev/null); }
    dpkg-deb -x "$dir"/busybox-static_*.deb "$dir"
  fi
  echo "$dir/bin/busybox"
}

node_bin() {
  if [[ -x $REPO_DIR/node_modules/.bin/node ]]; then echo "$REPO_DIR/node_modules/.bin/node"; else command -v node; fi
}

# ---------------------------------------------------------------------------------------------
# 2. dockerd
# ---------------------------------------------------------------------------------------------
docker_ping() { [[ $(curl --noproxy '*' -s --max-time 2 --unix-socket "$DOCKER_SOCK" http://x/_ping 2>/dev/null) == OK ]]; }

# Starts dockerd in the background if nothing answers; does not wait (see wait_dockerd).
start_dockerd() {
  if docker_ping; then
    if pidfile_alive "$LAB/run/dockerd.pid"; then
      log "dockerd already running (started by the lab, pid $(cat "$LAB/run/dockerd.pid"))"
    else
      log "dockerd already running (not started by the lab; left alone)"
      echo 0 >"$LAB/state/dockerd-started-by-lab"
    fi
    return
  fi
  # Remember what existed before, so that `down` removes only what dockerd created.
  if [[ ! -f $LAB/state/dockerd-started-by-lab ]] || [[ $(cat "$LAB/state/dockerd-started-by-lab") != 1 ]]; then
    : >"$LAB/state/created-by-dockerd"
    local p
    for p in /etc/docker/key.json /var/run/docker /var/run/docker.pid /run/containerd /run/docker; do
      [[ -e $p ]] || echo "$p" >>"$LAB/state/created-by-dockerd"
    done
    [[ -e /etc/docker ]] || echo "rmdir:/etc/docker" >>"$LAB/state/created-by-dockerd"
    ip link show docker0 >/dev/null 2>&1 || echo "link:docker0" >>"$LAB/state/created-by-dockerd"
    # dockerd adds iptables chains and rules (and sets FORWARD to DROP): keep the rules as they were.
    if command -v iptables-save >/dev/null 2>&1; then
      iptables-save >"$LAB/state/iptables.before" 2>/dev/null || true
      echo "iptables" >>"$LAB/state/created-by-dockerd"
    fi
  fi
  log "starting dockerd (log $LAB/logs/dockerd.log)"
  mkdir -p "$LAB/docker"
  # Extra flags (restart-dockerd) let tests start dockerd as distributions do, e.g. with --insecure-registry.
  local extra=${LAB_DOCKERD_ARGS:-}
  # A stale pid of the previous dockerd would read as "died at start" until the new one writes its own.
  rm -f "$LAB/run/dockerd.pid"
  # --containerd: the lab's containerd (scripts/lab/containerd.sh), as Docker CE's unit passes it.
  setsid bash -c "echo \$\$ > '$LAB/run/dockerd.pid'; exec dockerd --data-root '$LAB/docker' --containerd='$CTRD_SOCK' $extra" \
    </dev/null >>"$LAB/logs/dockerd.log" 2>&1 &
  disown
  echo 1 >"$LAB/state/dockerd-started-by-lab"
}

wait_dockerd() {
  local deadline=$((SECONDS + 30))
  until docker_ping; do
    if ((SECONDS >= deadline)) || { [[ -s $LAB/run/dockerd.pid ]] && ! pidfile_alive "$LAB/run/dockerd.pid" && [[ $(cat "$LAB/state/dockerd-started-by-lab") == 1 ]]; }; then
      tail_log "$LAB/logs/dockerd.log"
      die "dockerd did not come up"
    fi
    sleep 0.1
  done
}

# ---------------------------------------------------------------------------------------------
# 3. network namespace, veth, /etc/hosts
# ---------------------------------------------------------------------------------------------
ensure_netns() {
  ip netns list | grep -qE "^$NETNS( |$)" || ip netns add "$NETNS"
  if ! ip link show "$VETH_HOST" >/dev/null 2>&1; then
    ip link add "$VETH_HOST" type veth peer name "$VETH_NS" netns "$NETNS"
  fi
  ip addr replace "$HOST_IP/24" dev "$VETH_HOST"
  ip link set "$VETH_HOST" up
  local n
  for n in "${NAMES[@]}"; do
    ip -n "$NETNS" addr replace "${IP[$n]}/24" dev "$VETH_NS"
  done
  ip -n "$NETNS" link set lo up
  ip -n "$NETNS" link set "$VETH_NS" up
}

hosts_block() {
  local n
  echo "$HOSTS_BEGIN"
  for n in "${NAMES[@]}"; do printf '%s %s\n' "${IP[$n]}" "$(fqdn "$n")"; done
  echo "$HUB_BLACKHOLE ${HUB_NAMES[*]}"
  echo "$HOSTS_END"
}

# /etc/hosts without the lab block. Rewritten in place (same inode: it may be a bind mount).
hosts_without_block() {
  awk -v b="$HOSTS_BEGIN" -v e="$HOSTS_END" '$0==b{skip=1;next} $0==e{skip=0;next} !skip' /etc/hosts
}

ensure_hosts() {
  local want current
  want=$(hosts_block)
  current=$(awk -v b="$HOSTS_BEGIN" -v e="$HOSTS_END" '$0==b{on=1} on{print} $0==e{on=0}' /etc/hosts)
  [[ $current == "$want" ]] && return
  local rest
  rest=$(hosts_without_block)
  printf '%s\n%s\n' "$rest" "$want" >/etc/hosts
}

remove_hosts_block() {
  grep -qxF "$HOSTS_BEGIN" /etc/hosts || return 0
  local rest
  rest=$(hosts_without_block)
  printf '%s\n' "$rest" >/etc/hosts
}

# ---------------------------------------------------------------------------------------------
# 4. PKI
# ---------------------------------------------------------------------------------------------
ensure_pki() {
  local d=$LAB/pki
  mkdir -p "$d"
  if [[ ! -s $d/ca.crt ]]; then
    log "creating the lab CA"
    cat >"$d/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = regsetup lab CA
O = regsetup-lab
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
EOF
    openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -days 3650 \
      -config "$d/ca.cnf" -extensions v3_ca -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
    rm -f "$d"/*.crt.tmp
  fi
  local n
  for n in "${NAMES[@]}"; do
    [[ $n == plain ]] && continue
    [[ -s $d/$n.crt ]] && continue
    cat >"$d/$n.ext" <<EOF
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:$(fqdn "$n"),IP:${IP[$n]}
authorityKeyIdentifier = keyid
EOF
    openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj "/CN=$(fqdn "$n")" \
      -keyout "$d/$n.key" -out "$d/$n.csr" 2>/dev/null
    openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -sha256 -days 825 \
      -extfile "$d/$n.ext" -out "$d/$n.crt" 2>/dev/null
    rm -f "$d/$n.csr"
  done
  # Token signing key: RSA (RS256), self-signed; distribution trusts it via rootcertbundle.
  if [[ ! -s $d/token.crt ]]; then
    openssl req -x509 -new -nodes -newkey rsa:2048 -sha256 -days 3650 -subj "/CN=regsetup lab token signer" \
      -keyout "$d/token.key" -out "$d/token.crt" 2>/dev/null
  fi
  mkdir -p "$LAB/www/download"
  cmp -s "$d/ca.crt" "$LAB/www/download/ca.crt" || cp "$d/ca.crt" "$LAB/www/download/ca.crt"
}

ca_fingerprint() { openssl x509 -in "$LAB/pki/ca.crt" -outform DER | sha256sum | awk '{print "sha256:" $1}'; }

# ---------------------------------------------------------------------------------------------
# users
# ---------------------------------------------------------------------------------------------
ensure_users() {
  if [[ ! -s $LAB/auth/users.json ]]; then
    mkdir -p "$LAB/auth"
    jq -n --arg a "admin-$(openssl rand -hex 8)" --arg r "reader-$(openssl rand -hex 8)" \
      '{admin: {password: $a, push: true}, reader: {password: $r, push: false}}' >"$LAB/auth/users.json.tmp"
    mv "$LAB/auth/users.json.tmp" "$LAB/auth/users.json"
    rm -f "$LAB/auth/htpasswd"
  fi
  if [[ ! -s $LAB/auth/htpasswd ]]; then
    local u
    : >"$LAB/auth/htpasswd.tmp"
    for u in $(jq -r 'keys[]' "$LAB/auth/users.json"); do
      jq -r --arg u "$u" '.[$u].password' "$LAB/auth/users.json" | htpasswd -iBn "$u" >>"$LAB/auth/htpasswd.tmp" 2>/dev/null
    done
    grep -v '^$' "$LAB/auth/htpasswd.tmp" >"$LAB/auth/htpasswd"
    rm -f "$LAB/auth/htpasswd.tmp"
  fi
}

# ---------------------------------------------------------------------------------------------
# processes inside the namespace
# ---------------------------------------------------------------------------------------------
# run_in_ns NAME LOGFILE CMD... : start in the background, inside the netns, in its own session.
run_in_ns() {
  local name=$1 logf=$2
  shift 2
  local env_prefix=()
  [[ -n ${LAB_CHILD_ENV:-} ]] && env_prefix=(env $LAB_CHILD_ENV)
  ip netns exec "$NETNS" setsid "${env_prefix[@]}" bash -c 'echo $$ > "$0"; exec "$@"' "$LAB/run/$name.pid" "$@" \
    </dev/null >>"$logf" 2>&1 &
  disown
}

# registry_config NAME ADDR TLS(yes|no) EXTRA_YAML
registry_config() {
  local name=$1 addr=$2 tls=$3 extra=$4 dir=$LAB/registries/$1
  mkdir -p "$dir/data"
  [[ -s $dir/secret ]] || openssl rand -hex 16 >"$dir/secret"
  {
    cat <<EOF
# regsetup lab: $name ($(fqdn "$name")) — generated by scripts/lab.sh
version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: false
  fields:
    service: registry
    lab: $name
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $addr
  secret: $(cat "$dir/secret")
  headers:
    X-Content-Type-Options: [nosniff]
EOF
    if [[ $tls == yes ]]; then
      cat <<EOF
  tls:
    certificate: $LAB/pki/$name.crt
    key: $LAB/pki/$name.key
EOF
    fi
    printf '%s\n' "$extra"
  } >"$dir/config.yml.new"
  mv "$dir/config.yml.new" "$dir/config.yml"
}

start_registry() {
  local name=$1
  if pidfile_alive "$LAB/run/$name.pid"; then return 1; fi
  log "starting registry $name"
  LAB_CHILD_ENV="SSL_CERT_FILE=$LAB/pki/ca.crt" run_in_ns "$name" "$LAB/logs/registry-$name.log" \
    docker-registry serve "$LAB/registries/$name/config.yml"
  return 0
}

render_configs() {
  local tokenauth
  tokenauth=$(
    cat <<EOF
auth:
  token:
    realm: https://$(fqdn auth)/token
    service: $SERVICE
    issuer: $ISSUER
    rootcertbundle: $LAB/pki/token.crt
EOF
  )
  registry_config hub "${IP[hub]}:443" yes ""
  registry_config proxy "${IP[proxy]}:443" yes "proxy:
  remoteurl: https://$(fqdn hub)"
  registry_config hosted "${IP[hosted]}:443" yes "$tokenauth"
  registry_config basic "${IP[basic]}:443" yes "auth:
  htpasswd:
    realm: regsetup-lab-basic
    path: $LAB/auth/htpasswd"
  registry_config plain "${IP[plain]}:5000" no ""

  mkdir -p "$LAB/nginx/tmp"
  sed -e "s#@LAB@#$LAB#g" -e "s#@DOMAIN@#$DOMAIN#g" \
    -e "s#@IP_GROUP@#${IP[group]}#g" -e "s#@IP_PROXYONLY@#${IP[proxy-only]}#g" \
    -e "s#@IP_HOSTED@#${IP[hosted]}#g" -e "s#@IP_PROXY@#${IP[proxy]}#g" -e "s#@IP_AUTH@#${IP[auth]}#g" \
    -e "s#@IP_ROTATE@#${IP[rotate]}#g" \
    "$HELPERS/nginx.conf.tmpl" >"$LAB/nginx/nginx.conf.new"
  mv "$LAB/nginx/nginx.conf.new" "$LAB/nginx/nginx.conf"
}

start_token_server() {
  pidfile_alive "$LAB/run/token.pid" && return 0
  log "starting token server"
  run_in_ns token "$LAB/logs/token-server.log" "$(node_bin)" "$HELPERS/token-server.mjs" \
    --listen "${IP[auth]}:443" --cert "$LAB/pki/auth.crt" --key "$LAB/pki/auth.key" \
    --sign-cert "$LAB/pki/token.crt" --sign-key "$LAB/pki/token.key" \
    --users "$LAB/auth/users.json" --issuer "$ISSUER" --service "$SERVICE"
}

start_skew_proxy() {
  pidfile_alive "$LAB/run/skew.pid" && return 0
  log "starting skew proxy"
  run_in_ns skew "$LAB/logs/skew-proxy.log" "$(node_bin)" "$HELPERS/skew-proxy.mjs" \
    --listen "${IP[skew]}:443" --cert "$LAB/pki/skew.crt" --key "$LAB/pki/skew.key" \
    --upstream "https://${IP[hosted]}:443" --skew-seconds "$SKEW_SECONDS"
}

start_nginx() {
  pidfile_alive "$LAB/run/nginx.pid" && return 0
  log "starting nginx"
  ip netns exec "$NETNS" nginx -t -q -e "$LAB/logs/nginx-error.log" -c "$LAB/nginx/nginx.conf" -p "$LAB/nginx/" ||
    { tail_log "$LAB/logs/nginx-error.log"; die "nginx config test failed"; }
  ip netns exec "$NETNS" nginx -e "$LAB/logs/nginx-error.log" -c "$LAB/nginx/nginx.conf" -p "$LAB/nginx/" </dev/null ||
    { tail_log "$LAB/logs/nginx-error.log"; die "nginx did not start"; }
}

seed_hub() {
  local accept='Accept: application/vnd.docker.distribution.manifest.v2+json' img all=1
  for img in library/hello-world library/alpine; do
    [[ $(lab_curl -o /dev/null -w '%{http_code}' -I -H "$accept" "https://$(fqdn hub)/v2/$img/manifests/latest" 2>/dev/null) == 200 ]] || all=0
  done
  if ((all)) && [[ -s $LAB/state/hub-images.json ]]; then return; fi
  log "seeding hub with tiny images"
  "$(node_bin)" "$HELPERS/seed-hub.mjs" --registry "https://$(fqdn hub)" --ca "$LAB/pki/ca.crt" --busybox "$(static_busybox)" \
    >"$LAB/state/hub-seed.out" 2>"$LAB/logs/seed-hub.log" || { tail_log "$LAB/logs/seed-hub.log"; die "seeding hub failed"; }
  jq -s 'map({(.ref): .digest}) | add' "$LAB/state/hub-seed.out" >"$LAB/state/hub-images.json"
}

write_lab_json() {
  local ips hosts
  ips=$(for n in "${NAMES[@]}"; do printf '%s %s\n' "$n" "${IP[$n]}"; done |
    jq -R -n '[inputs | split(" ") | {key: (.[0] | gsub("-(?<c>.)"; .c | ascii_upcase)), value: .[1]}] | from_entries')
  hosts=$(for n in "${NAMES[@]}"; do
    if [[ $n == plain ]]; then printf '%s %s:5000\n' "$n" "$(fqdn "$n")"; else printf '%s %s\n' "$n" "$(fqdn "$n")"; fi
  done | jq -R -n '[inputs | split(" ") | {key: (.[0] | gsub("-(?<c>.)"; .c | ascii_upcase)), value: .[1]}] | from_entries')
  jq -n \
    --arg dir "$LAB" \
    --arg caFile "$LAB/pki/ca.crt" \
    --arg caFp "$(ca_fingerprint)" \
    --arg caUrl "https://$(fqdn group)/download/ca.crt" \
    --argjson hosts "$hosts" \
    --argjson ips "$ips" \
    --arg hostIp "$HOST_IP" \
    --arg realm "https://$(fqdn auth)/token" \
    --arg groupRealm "https://$(fqdn group)/token" \
    --arg service "$SERVICE" --arg issuer "$ISSUER" \
    --argjson skew "$SKEW_SECONDS" \
    --slurpfile users "$LAB/auth/users.json" \
    --slurpfile digests "$LAB/state/hub-images.json" \
    --argjson started "$([[ $(cat "$LAB/state/dockerd-started-by-lab") == 1 ]] && echo true || echo false)" \
    --arg dockerdPidFile "$LAB/run/dockerd.pid" \
    --arg dockerSocket "$DOCKER_SOCK" \
    --arg netns "$NETNS" \
    --argjson containerd "$(containerd_json)" \
    --argjson podman "$(jq -n --arg v "${PODMAN_VERSION:-$(podman --version 2>/dev/null | awk '{print $NF}')}" '{version: $v, configDir: "/etc/containers", storageDir: "/var/lib/containers/storage"}')" \
    --argjson rootless "$(rootless_json)" \
    --argjson nodes "$(nodes_json)" \
    --argjson ansible "$(if [[ -s $ANSIBLE_DIR/ansible.cfg ]]; then jq -n --arg d "$ANSIBLE_DIR" --arg s "$NODES_DIR/ssh" '{config: ($d + "/ansible.cfg"), inventory: ($d + "/inventory.ini"), privateKey: ($s + "/id_ed25519"), knownHosts: ($s + "/known_hosts"), controlPathDir: ($d + "/cp")}'; else echo null; fi)" \
    --argjson rotate "$(jq -n --arg host "$(fqdn rotate)" --arg phase "$(rotate_phase)" '{host: $host, caUrl: ("https://" + $host + "/download/ca.crt"), phase: $phase, serverCertSignedBy: (if $phase == "switched" or $phase == "finished" then "ca2" else "ca1" end)}')" \
    --arg ca2File "$([[ -s $LAB/pki/ca2.crt ]] && echo "$LAB/pki/ca2.crt")" \
    --arg ca2Fp "$([[ -s $LAB/pki/ca2.crt ]] && ca2_fingerprint)" \
    --arg hubBlackhole "$HUB_BLACKHOLE" --argjson hubNames "$(printf '%s\n' "${HUB_NAMES[@]}" | jq -R . | jq -s .)" \
    '{
      version: 1,
      dir: $dir,
      caFile: $caFile,
      caFingerprint: $caFp,
      caUrl: $caUrl,
      hosts: $hosts,
      ips: $ips,
      hostIp: $hostIp,
      token: {realm: $realm, groupRealm: $groupRealm, service: $service, issuer: $issuer},
      skewSeconds: $skew,
      users: $users[0],
      basicUsers: ($users[0] | keys),
      hubImages: ($digests[0] | keys),
      hubImageDigests: $digests[0],
      dockerdStartedByLab: $started,
      dockerdPidFile: (if $started then $dockerdPidFile else null end),
      dockerSocket: $dockerSocket,
      netns: $netns,
      logsDir: ($dir + "/logs"),
      dockerHubBlackhole: {address: $hubBlackhole, names: $hubNames},
      containerd: $containerd,
      podman: $podman,
      rootless: $rootless,
      nodes: $nodes,
      ansible: $ansible,
      rotate: $rotate,
      ca2File: (if $ca2File == "" then null else $ca2File end),
      ca2Fingerprint: (if $ca2Fp == "" then null else $ca2Fp end)
    }' >"$LAB/lab.json.new"
  if ! cmp -s "$LAB/lab.json.new" "$LAB/lab.json"; then mv "$LAB/lab.json.new" "$LAB/lab.json"; else rm -f "$LAB/lab.json.new"; fi
}

# Docker Hub's names must answer "connection refused": anything else means a fallback past a
# failed mirror could reach something.
check_hub_blackhole() {
  local n rc
  for n in "${HUB_NAMES[@]}"; do
    [[ $(getent hosts "$n" | awk '{print $1; exit}') == "$HUB_BLACKHOLE" ]] || die "$n does not resolve to $HUB_BLACKHOLE (/etc/hosts)"
  done
  rc=0
  curl --noproxy '*' -s -o /dev/null --max-time 2 "https://registry-1.docker.io/v2/" || rc=$?
  [[ $rc == 7 ]] || die "https://registry-1.docker.io/v2/ ($HUB_BLACKHOLE) did not refuse the connection (curl exit $rc): something listens there"
}

containerd_json() {
  local pid
  pid=$(ctrd_pid || true)
  jq -n --argjson started "$(ctrd_started_by_lab && echo true || echo false)" --arg sock "$CTRD_SOCK" \
    --arg config "$CTRD_CONFIG" --arg log "$CTRD_LOG" --arg dir "$CTRD_DIR" --arg certs "$CTRD_CERTS_D" \
    --argjson pid "${pid:-null}" --arg version "$(containerd --version | awk '{print $3}')" --arg cri "$(ctrd_cri_status)" \
    '{startedByLab: $started, socket: $sock, configFile: $config, logFile: $log, root: ($dir + "/root"),
      state: ($dir + "/state"), certsDir: $certs, pid: $pid, version: $version,
      criPlugin: (if $cri == "" then null else $cri end), sharedWithDockerd: true}'
}

rootless_json() {
  id "$RL_USER" >/dev/null 2>&1 || { echo null; return; }
  local rk dp
  rk=$(rl_rootlesskit_pid || true)
  dp=$(rl_dockerd_pid || true)
  jq -n --arg user "$RL_USER" --argjson uid "$(rl_uid)" --arg home "$RL_HOME" --arg rt "$(rl_runtime_dir)" \
    --arg log "$RL_LOG" --argjson rk "${rk:-null}" --argjson dp "${dp:-null}" \
    '{user: $user, uid: $uid, home: $home, runtimeDir: $rt, socket: ($rt + "/docker.sock"),
      dockerHost: ("unix://" + $rt + "/docker.sock"), configDir: ($home + "/.config/docker"),
      dataRoot: ($home + "/.local/share/docker"), rootlesskitPid: $rk, dockerdPid: $dp, logFile: $log}'
}

cmd_up() {
  need_root
  local t0=$SECONDS
  ensure_packages
  mkdir -p "$LAB"/{run,logs,state,auth,registries}
  # nginx workers (www-data) read www/; keys and passwords stay root-only.
  chmod 755 "$LAB"
  mkdir -p "$LAB/pki"
  chmod 700 "$LAB/pki" "$LAB/auth"
  ensure_pki
  ensure_rotate
  ensure_users
  ensure_netns
  ensure_hosts
  ensure_podman
  # containerd before dockerd, which is started with --containerd=<its socket> (one shared
  # containerd, as on a Docker CE + Kubernetes node).
  start_containerd
  wait_containerd cri-required
  # After the names are in /etc/hosts: Go caches that file for 5 s, and a dockerd that read it
  # before would look the lab names up in DNS meanwhile.
  start_dockerd # in the background; waited for at the end
  start_rootless_dockerd
  render_configs

  local ca=$LAB/pki/ca.crt
  # hub first: the pull-through proxy panics at start when its upstream does not answer.
  start_registry hub || true
  wait_http "https://$(fqdn hub)/v2/" 200 "$LAB/logs/registry-hub.log"
  start_registry hosted || true
  start_registry basic || true
  start_registry plain || true
  start_registry proxy || true
  start_token_server
  start_skew_proxy
  seed_hub
  wait_http "https://$(fqdn proxy)/v2/" 200 "$LAB/logs/registry-proxy.log"
  wait_http "https://$(fqdn hosted)/v2/" 401 "$LAB/logs/registry-hosted.log"
  wait_http "https://$(fqdn basic)/v2/" 401 "$LAB/logs/registry-basic.log"
  wait_http "http://$(fqdn plain):5000/v2/" 200 "$LAB/logs/registry-plain.log"
  wait_http "https://$(fqdn auth)/healthz" 200 "$LAB/logs/token-server.log"
  wait_http "https://$(fqdn skew)/v2/" 401 "$LAB/logs/skew-proxy.log"
  start_nginx
  wait_http "https://$(fqdn group)/v2/" 401 "$LAB/logs/nginx-error.log"
  wait_http "https://$(fqdn proxy-only)/v2/" 200 "$LAB/logs/nginx-error.log"
  wait_http "https://$(fqdn group)/download/ca.crt" 200 "$LAB/logs/nginx-error.log"
  wait_http "https://$(fqdn rotate)/v2/" 401 "$LAB/logs/nginx-error.log"
  check_hub_blackhole
  wait_dockerd
  wait_rootless_dockerd
  write_lab_json
  log "lab is up ($((SECONDS - t0))s): $LAB/lab.json (CA $ca)"
}

# ---------------------------------------------------------------------------------------------
# down
# ---------------------------------------------------------------------------------------------
stop_pid() {
  local pid=$1 what=$2 timeout=${3:-5} sig=${4:-TERM}
  pid_alive "$pid" || return 0
  kill -s "$sig" "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
  if pid_alive "$pid"; then
    log "$what (pid $pid) did not stop; killing"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
}

# Put the iptables tables dockerd touched back as they were before the lab started dockerd.
restore_iptables() {
  local before=$LAB/state/iptables.before t
  [[ -f $before ]] || return 0
  for t in filter nat; do
    if grep -qx "\*$t" "$before"; then
      iptables-restore -T "$t" <"$before" 2>/dev/null || log "could not restore iptables table $t"
    elif iptables -t "$t" -S >/dev/null 2>&1; then
      iptables -t "$t" -F 2>/dev/null || true
      iptables -t "$t" -X 2>/dev/null || true
      for c in $(iptables -t "$t" -S | awk '$1=="-P"{print $2}'); do iptables -t "$t" -P "$c" ACCEPT 2>/dev/null || true; done
      # iptables-nft: drop the now empty table itself, as it did not exist before.
      if command -v nft >/dev/null 2>&1 && iptables -V 2>/dev/null | grep -q nf_tables; then
        nft delete table ip "$t" 2>/dev/null || true
      fi
    fi
  done
}

# SIGTERM to all at once (nginx: fast shutdown), SIGKILL after 5 s (STOP_TIMEOUT).
stop_pids() {
  local pid alive deadline=$((SECONDS + ${STOP_TIMEOUT:-5}))
  # A pid may die between the check and the kill: that is not a failure (set -e).
  for pid in "$@"; do pid_alive "$pid" && { kill -TERM "$pid" 2>/dev/null || true; }; done
  while :; do
    alive=()
    for pid in "$@"; do pid_alive "$pid" && alive+=("$pid"); done
    ((${#alive[@]})) || return 0
    if ((SECONDS >= deadline)); then
      log "still running after SIGTERM, killing: ${alive[*]}"
      kill -KILL "${alive[@]}" 2>/dev/null || true
      sleep 0.2
      return 0
    fi
    sleep 0.1
  done
}

cmd_down() {
  need_root
  local f pid pids=()
  # Nodes first: they route through the lab namespace.
  cmd_nodes_down no-json
  remove_rootless_user
  if [[ -d $LAB/run ]]; then
    for f in "$LAB"/run/*.pid; do
      [[ -e $f ]] || continue
      # dockerd and containerd are stopped below, in order.
      case $(basename "$f") in dockerd.pid | containerd.pid | rootlesskit.pid) continue ;; esac
      pids+=("$(cat "$f")")
    done
  fi
  # Anything still inside the namespace is the lab's.
  if ip netns list 2>/dev/null | grep -qE "^$NETNS( |$)"; then
    pids+=($(ip netns pids "$NETNS" 2>/dev/null))
  fi
  ((${#pids[@]} == 0)) || stop_pids "${pids[@]}"
  if [[ -f $LAB/state/dockerd-started-by-lab && $(cat "$LAB/state/dockerd-started-by-lab") == 1 ]] && [[ -s $LAB/run/dockerd.pid ]]; then
    pid=$(cat "$LAB/run/dockerd.pid")
    if pid_alive "$pid" && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]]; then
      log "stopping dockerd (pid $pid)"
      stop_pid "$pid" dockerd 30
    fi
    if [[ -f $LAB/state/created-by-dockerd ]]; then
      while read -r f; do
        case $f in
          link:*) ip link del "${f#link:}" 2>/dev/null || true ;;
          rmdir:*) rmdir -- "${f#rmdir:}" 2>/dev/null || true ;;
          iptables) restore_iptables ;;
          # dockerd's netns bind mounts (/var/run/docker/netns/*) may outlive it: unmount, then remove.
          /*)
            { findmnt -rn -o TARGET | grep -F -- "${f#/var}" | sort -r || true; } | while read -r m; do umount -l -- "$m" 2>/dev/null || true; done
            rm -rf -- "$f"
            ;;
        esac
      done <"$LAB/state/created-by-dockerd"
    fi
  fi
  # After dockerd, which runs its containers on it. Found by its --config, wherever it was started from.
  stop_containerd
  remove_containerd_traces
  remove_podman_traces
  ip link del "$VETH_HOST" 2>/dev/null || true
  ip netns del "$NETNS" 2>/dev/null || true
  remove_hosts_block
  if [[ -d $LAB ]]; then
    # dockerd unmounts its overlays on a clean stop; be sure before deleting.
    awk -v p="$LAB/" 'index($2, p) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf -- "$LAB"
  fi
  log "lab is down"
}

# ---------------------------------------------------------------------------------------------
# status / env
# ---------------------------------------------------------------------------------------------
cmd_status() {
  if [[ ! -s $LAB/lab.json ]]; then
    echo "regsetup lab: down (no $LAB/lab.json)"
    return 1
  fi
  local j=$LAB/lab.json n pid state
  echo "regsetup lab: $j"
  echo "  CA:          $(jq -r .caFile "$j")  ($(jq -r .caFingerprint "$j"))"
  echo "  CA URL:      $(jq -r .caUrl "$j")"
  echo "  netns:       $(jq -r .netns "$j")  (host side $HOST_IP on $VETH_HOST)"
  echo "  token:       realm $(jq -r .token.realm "$j") (group: $(jq -r .token.groupRealm "$j")), service $(jq -r .token.service "$j")"
  echo "  skew:        $(jq -r .hosts.skew "$j") answers with Date +$(jq -r .skewSeconds "$j")s"
  echo "  hosts:"
  for n in "${NAMES[@]}"; do
    printf '    %-11s %-30s %s\n' "$n" "$(jq -r --arg k "$n" '.hosts[$k | gsub("-(?<c>.)"; .c | ascii_upcase)]' "$j")" "${IP[$n]}"
  done
  echo "  users (token service on hosted/group/skew; htpasswd on basic):"
  jq -r '.users | to_entries[] | "    \(.key)  password \(.value.password)  \(if .value.push then "pull+push+delete" else "pull only" end)"' "$j"
  echo "  hub images:  $(jq -r '.hubImages | join(", ")' "$j")"
  echo "  dockerd:     $(if [[ $(jq -r .dockerdStartedByLab "$j") == true ]]; then echo "started by the lab"; else echo "not the lab's"; fi), $(docker_ping && echo answering || echo NOT answering)"
  echo "  processes:"
  for f in "$LAB"/run/*.pid; do
    [[ -e $f ]] || continue
    pid=$(cat "$f")
    if pid_alive "$pid"; then state=running; else state=DEAD; fi
    printf '    %-10s pid %-8s %s\n' "$(basename "$f" .pid)" "$pid" "$state"
  done
  local cpid
  cpid=$(ctrd_pid || true)
  echo "  containerd:  $(jq -r .containerd.version "$j") $(if ctrd_started_by_lab; then echo "started by the lab"; else echo "not the lab's"; fi), pid ${cpid:-NONE (found by --config $CTRD_CONFIG)}, $(ctrd_answers && echo "answering on $CTRD_SOCK" || echo "NOT answering"), CRI plugin $(ctrd_cri_status || true); shared with dockerd"
  echo "  podman:      $(jq -r .podman.version "$j") (nothing runs; config /etc/containers)"
  if id "$RL_USER" >/dev/null 2>&1; then
    echo "  rootless:    $RL_USER (uid $(rl_uid)) DOCKER_HOST=unix://$(rl_socket), rootlesskit pid $(rl_rootlesskit_pid || echo NONE), dockerd pid $(rl_dockerd_pid || echo NONE), $(rl_ping && echo answering || echo NOT answering)"
  fi
  echo "  rotate:      $(jq -r .rotate.host "$j") phase $(rotate_phase) (CA URL $(jq -r .rotate.caUrl "$j"))"
  echo "  Docker Hub:  ${HUB_NAMES[*]} → $HUB_BLACKHOLE (refused)"
  local n i
  n=$(nodes_count)
  if ((n > 0)); then
    echo "  nodes:       ANSIBLE_CONFIG=$ANSIBLE_DIR/ansible.cfg (inventory $ANSIBLE_DIR/inventory.ini)"
    for ((i = 1; i <= n; i++)); do
      printf '    %-6s %-12s init pid %-8s dockerd %s, docker socket %s\n' "$(node_name "$i")" "$(node_ip "$i")" \
        "$(node_init_pid "$i" || echo DEAD)" "$(node_docker_ping "$i" && echo answering || echo 'NOT answering')" "$(node_docker_sock "$i")"
    done
  fi
  echo "  logs:        $LAB/logs/"
}

# Restarts the lab's own dockerd with extra flags (none: as `up` starts it). Refuses a dockerd it did not start.
cmd_restart_dockerd() {
  [[ -s $LAB/lab.json ]] || die "lab is not up; run: bash scripts/lab.sh up"
  [[ $(cat "$LAB/state/dockerd-started-by-lab" 2>/dev/null) == 1 ]] || die "dockerd was not started by the lab; restart it yourself"
  stop_pid "$(cat "$LAB/run/dockerd.pid")" dockerd 30
  while docker_ping; do sleep 0.1; done
  LAB_DOCKERD_ARGS="$*" start_dockerd
  wait_dockerd
  log "dockerd restarted (pid $(cat "$LAB/run/dockerd.pid"))${*:+ with: $*}"
}

cmd_env() {
  [[ -s $LAB/lab.json ]] || die "lab is not up (no $LAB/lab.json); run: bash scripts/lab.sh up"
  echo "$LAB/lab.json"
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  restart-dockerd) shift; cmd_restart_dockerd "$@" ;;
  restart-containerd) shift; cmd_restart_containerd "$@" ;;
  nodes)
    case ${2:-} in
      up) cmd_nodes_up "${3:-3}" ;;
      down) cmd_nodes_down ;;
      *) echo "usage: bash scripts/lab.sh nodes up [N]|down" >&2; exit 2 ;;
    esac
    ;;
  rotate-ca) shift; cmd_rotate_ca "$@" ;;
  *)
    echo "usage: bash scripts/lab.sh up|down|status|env|restart-dockerd [dockerd flags…]|restart-containerd [--reset]|nodes up [N]|nodes down|rotate-ca stage|switch|finish|reset" >&2
    exit 2
    ;;
esac
