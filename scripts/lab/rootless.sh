# Sourced by scripts/lab.sh: a rootless dockerd (rootlesskit + dockerd 20.10) for the test user
# rslab-rootless, the way a user runs it: dockerd-rootless.sh, socket $XDG_RUNTIME_DIR/docker.sock,
# config in ~/.config/docker. Host network (slirp4netns cannot open /dev/net/tun here), so it sees
# the lab registries and /etc/hosts as the host does.
readonly RL_USER=rslab-rootless
readonly RL_HOME=$LAB/rootless/home
readonly RL_LOG=$LAB/logs/dockerd-rootless.log
readonly RL_SCRIPT=/usr/share/docker.io/contrib/dockerd-rootless.sh
# useradd/userdel rewrite these and their "-" backups: saved before, put back after (when untouched).
readonly RL_ETC_FILES=(passwd group shadow gshadow subuid subgid)

rl_uid() { id -u "$RL_USER" 2>/dev/null; }
rl_runtime_dir() { echo "/run/user/$(rl_uid)"; }
rl_socket() { echo "$(rl_runtime_dir)/docker.sock"; }
rl_ping() { [[ $(curl --noproxy '*' -s --max-time 2 --unix-socket "$(rl_socket)" http://x/_ping 2>/dev/null) == OK ]]; }
rl_rootlesskit_pid() { pidfile_alive "$LAB/run/rootlesskit.pid" && cat "$LAB/run/rootlesskit.pid"; }
rl_dockerd_pid() {
  local f
  f="$(rl_runtime_dir)/docker.pid"
  pidfile_alive "$f" && cat "$f"
}

ensure_rootless_user() {
  id "$RL_USER" >/dev/null 2>&1 && return 0
  local f
  mkdir -p "$LAB/state/rootless-etc" "$(dirname "$RL_HOME")"
  for f in "${RL_ETC_FILES[@]}"; do
    for g in "/etc/$f" "/etc/$f-"; do
      if [[ -e $g ]]; then cp -p "$g" "$LAB/state/rootless-etc/"; else echo "$g" >>"$LAB/state/rootless-etc/absent"; fi
    done
  done
  [[ -e /run/user ]] || echo /run/user >>"$LAB/state/rootless-etc/absent"
  log "creating user $RL_USER (home $RL_HOME)"
  # A regular user: useradd gives it a subordinate uid/gid range in /etc/subuid and /etc/subgid.
  useradd --create-home --home-dir "$RL_HOME" --shell /bin/bash --user-group --comment "regsetup lab rootless docker" "$RL_USER"
  grep -q "^$RL_USER:" /etc/subuid || usermod --add-subuids 100000-165535 "$RL_USER"
  grep -q "^$RL_USER:" /etc/subgid || usermod --add-subgids 100000-165535 "$RL_USER"
}

start_rootless_dockerd() {
  ensure_rootless_user
  if rl_ping && [[ -n $(rl_rootlesskit_pid) ]]; then return 0; fi
  local uid gid rt
  uid=$(rl_uid)
  gid=$(id -g "$RL_USER")
  rt=$(rl_runtime_dir)
  mkdir -p /run/user "$rt"
  chown "$uid:$gid" "$rt"
  chmod 700 "$rt"
  log "starting rootless dockerd for $RL_USER (log $RL_LOG)"
  rm -f "$LAB/run/rootlesskit.pid"
  # setpriv execs (no fork, unlike runuser): the recorded pid is rootlesskit's, which the script execs.
  setsid bash -c "cd '$RL_HOME'; echo \$\$ > '$LAB/run/rootlesskit.pid'; exec setpriv --reuid=$uid --regid=$gid --init-groups \
    env -i HOME='$RL_HOME' USER=$RL_USER LOGNAME=$RL_USER PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    XDG_RUNTIME_DIR='$rt' DOCKERD_ROOTLESS_ROOTLESSKIT_NET=host DOCKERD_ROOTLESS_ROOTLESSKIT_PORT_DRIVER=none \
    '$RL_SCRIPT' --iptables=false --bridge=none" </dev/null >>"$RL_LOG" 2>&1 &
  disown
}

wait_rootless_dockerd() {
  local deadline=$((SECONDS + 30))
  until rl_ping; do
    if ((SECONDS >= deadline)) || { [[ -s $LAB/run/rootlesskit.pid ]] && ! pidfile_alive "$LAB/run/rootlesskit.pid"; }; then
      tail_log "$RL_LOG"
      die "the rootless dockerd of $RL_USER did not come up on $(rl_socket)"
    fi
    sleep 0.1
  done
}

# Pids of every process running as the test user (rootlesskit, dockerd, its containerd, shims).
rl_user_pids() {
  local uid d key real rest
  uid=$(rl_uid) || return 0
  for d in /proc/[0-9]*; do
    real=''
    while read -r key real rest; do [[ $key == Uid: ]] && break; done 2>/dev/null <"$d/status" || true
    [[ $real == "$uid" ]] && pid_alive "${d#/proc/}" && echo "${d#/proc/}"
  done
  return 0
}

stop_rootless_dockerd() {
  id "$RL_USER" >/dev/null 2>&1 || return 0
  local pid rest
  pid=$(rl_rootlesskit_pid || true)
  # rootlesskit passes SIGTERM on to dockerd, which stops its containerd and containers.
  [[ -n $pid ]] && stop_pid "$pid" rootlesskit 20
  rest=$(rl_user_pids)
  # shellcheck disable=SC2086
  [[ -z $rest ]] || stop_pids $rest
  rm -f "$LAB/run/rootlesskit.pid"
}

remove_rootless_user() {
  id "$RL_USER" >/dev/null 2>&1 || return 0
  local rt f saved
  rt=$(rl_runtime_dir)
  stop_rootless_dockerd
  userdel "$RL_USER" 2>/dev/null || log "userdel $RL_USER failed"
  sed -i "/^$RL_USER:/d" /etc/subuid /etc/subgid
  rm -rf -- "$rt" "$RL_HOME"
  saved=$LAB/state/rootless-etc
  grep -qx /run/user "$saved/absent" 2>/dev/null && rmdir /run/user 2>/dev/null
  for f in "${RL_ETC_FILES[@]}"; do
    # The backup files too, but only if nobody else changed the main file meanwhile.
    if [[ -e $saved/$f ]] && cmp -s "$saved/$f" "/etc/$f"; then
      cp -p "$saved/$f" "/etc/$f"
      [[ -e $saved/$f- ]] && cp -p "$saved/$f-" "/etc/$f-"
      grep -qx "/etc/$f-" "$saved/absent" 2>/dev/null && rm -f "/etc/$f-"
    else
      log "/etc/$f changed while the lab was up: left as it is"
    fi
  done
}
