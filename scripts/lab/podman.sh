# Sourced by scripts/lab.sh: podman (Debian 12 podman 4.3). Nothing runs: podman reads its config
# per process. The lab only remembers whether podman's storage existed before it, so that `down`
# removes what podman made under the lab (the first `podman` command creates these).
readonly PODMAN_PATHS=(/var/lib/containers /run/containers /run/libpod)

ensure_podman() {
  local p
  if [[ ! -f $LAB/state/created-by-podman ]]; then
    : >"$LAB/state/created-by-podman.new"
    for p in "${PODMAN_PATHS[@]}"; do
      [[ -e $p ]] || echo "$p" >>"$LAB/state/created-by-podman.new"
    done
    mv "$LAB/state/created-by-podman.new" "$LAB/state/created-by-podman"
  fi
  PODMAN_VERSION=$(podman --version 2>/dev/null | awk '{print $NF}')
  [[ -n $PODMAN_VERSION ]] || die "podman does not run (podman --version)"
}

remove_podman_traces() {
  [[ -f $LAB/state/created-by-podman ]] || return 0
  local f
  while read -r f; do
    [[ -e $f ]] || continue
    # Layers of a container left running are mounted: unmount before deleting.
    awk -v p="$f/" 'index($2, p) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf -- "$f"
  done <"$LAB/state/created-by-podman"
}
