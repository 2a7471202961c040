#!/usr/bin/env bash
# A simulated fleet node's init (scripts/lab/nodes.sh starts it): runs as PID 2 under tini, inside
# the node's own network, mount, UTS and PID namespaces. Makes the node's private paths, then runs
# its dockerd and sshd until SIGTERM, when it stops them in order.
#
#   node-init.sh NAME IP NODE_DIR LAB_DIR SSHD_CONFIG LOG_DIR PRIVATE_PATHS
set -euo pipefail
name=$1 ip=$2 dir=$3 lab=$4 sshd_config=$5 logs=$6 private=$7

hostname "$name"
# /run first: docker.sock, docker.pid, the exec-root, /run/containerd (so this dockerd supervises
# its own containerd), /run/sshd and /run/regsetup are then the node's own.
mount --bind "$dir/fs/run" /run
mkdir -p /run/sshd /run/.ovl /run/.lab
chmod 755 /run/sshd
# /etc and /var/lib get a throwaway overlay, so mountpoints that do not exist on the host
# (/etc/regsetup, /var/lib/regsetup, /var/lib/docker) can be made without touching the host.
# The upper layers live in a tmpfs: overlayfs refuses an upper dir inside its own lower dir.
mount -t tmpfs -o mode=755,size=16m rslab-ovl /run/.ovl
mount --bind "$lab" /run/.lab
for d in etc var/lib; do
  key=${d//\//-}
  mkdir -p "/run/.ovl/$key/upper" "/run/.ovl/$key/work"
  mount -t overlay "rslab-$key" -o "lowerdir=/$d,upperdir=/run/.ovl/$key/upper,workdir=/run/.ovl/$key/work" "/$d"
done
# The lab dir itself stays the real one (logs, data-root, keys).
mount --move /run/.lab "$lab"
# shellcheck disable=SC2086 # a list of relative paths without spaces (nodes.sh NODE_PRIVATE)
for p in $private; do
  mkdir -p "/$p"
  mount --bind "$dir/fs/$p" "/$p"
done
mount -t tmpfs -o mode=1777,size=256m rslab-tmp /tmp

dockerd_pid='' sshd_pid=''
stop() {
  trap - TERM INT
  [[ -n $sshd_pid ]] && kill -TERM "$sshd_pid" 2>/dev/null || true
  if [[ -n $dockerd_pid ]] && kill -TERM "$dockerd_pid" 2>/dev/null; then
    for _ in $(seq 300); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  exit 0
}
trap stop TERM INT

cd /
# As a distribution starts it, plus what a node without its own bridge network needs.
dockerd --iptables=false --bridge=none </dev/null >>"$logs/$name-dockerd.log" 2>&1 &
dockerd_pid=$!
/usr/sbin/sshd -D -e -f "$sshd_config" -o "ListenAddress=$ip" -o "HostKey=$dir/ssh_host_ed25519_key" \
  </dev/null >>"$logs/$name-sshd.log" 2>&1 &
sshd_pid=$!
# wait -n fails at once when no child is left: sleep then, rather than spin.
while :; do wait -n 2>/dev/null || sleep 1; done
