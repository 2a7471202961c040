#!/usr/bin/env bash
# The container image of deploy/kubernetes/: the single executable and nothing else it does not need,
# made without pulling any base image —
#
#   bash scripts/build-image.sh [--tar-only] [--tag NAME:TAG] [--out FILE]
#
# builds a root file system tarball and `docker import`s it with its ENTRYPOINT, CMD and ENV
# (--tar-only stops after the tarball). In it:
#   /usr/local/bin/regsetup      dist/sea/regsetup-linux-x64 (npm run build:sea), checked against its .sha256
#   /usr/bin/nsenter             this machine's, to reach the host's systemd from the container
#                                (nsenter -t 1 -m -u -i -n -p -- systemctl …; docs/host-behaviour.md)
#   the shared libraries both need, at the paths ldd names (the executable is Node: glibc, libstdc++)
#   /etc/ssl/certs/ca-certificates.crt   this machine's CA bundle
#   /root (HOME), /tmp (1777), /run, /var/run -> /run
# No /etc/passwd, no shell, no package manager. The tag defaults to regsetup:<version>, the image
# deploy/kubernetes/daemonset.yaml names. The tarball is reproducible (sorted, owner 0, fixed mtime).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'build-image: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

tar_only=0 tag='' out=dist/image/regsetup-rootfs.tar
while [ $# -gt 0 ]; do
  case $1 in
    --tar-only) tar_only=1; shift ;;
    --tag) [ $# -ge 2 ] || die "--tag needs NAME:TAG"; tag=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || die "--out needs a file"; out=$2; shift 2 ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

bin=dist/sea/regsetup-linux-x64
[ -x "$bin" ] || die "$bin is missing: run npm run build && npm run build:sea first"
if [ -f "$bin.sha256" ]; then
  (cd "$(dirname "$bin")" && sha256sum -c --quiet "$(basename "$bin").sha256") || die "$bin does not match $bin.sha256"
fi
version=$("$bin" --version)
[ -n "$tag" ] || tag="regsetup:$version"
nsenter=$(command -v nsenter) || die "nsenter (util-linux) is not installed here"
bundle=/etc/ssl/certs/ca-certificates.crt
[ -r "$bundle" ] || die "no CA bundle at $bundle (install ca-certificates)"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"
mkdir -p "$root"/{usr/local/bin,usr/bin,etc/ssl/certs,root,run,tmp,var}
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
ln -s /run "$root/var/run"
install -m 0755 "$bin" "$root/usr/local/bin/regsetup"
install -m 0755 "$nsenter" "$root/usr/bin/nsenter"
install -m 0644 "$bundle" "$root/etc/ssl/certs/ca-certificates.crt"

# Every library the two executables load, at the path the dynamic loader looks for it (as ldd says).
libs() { ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'; }
for lib in $( (libs "$bin"; libs "$nsenter") | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  install -m 0755 "$(readlink -f "$lib")" "$root$lib"
done

mkdir -p "$(dirname "$out")"
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$root" -cf "$out" .
say "$out ($(du -m "$out" | cut -f1) MB): regsetup $version, nsenter, $(tar -tf "$out" | grep -c '\.so') libraries, CA bundle"
sha256sum "$out" | cut -d' ' -f1 >"$out.sha256"
[ "$tar_only" = 0 ] || exit 0

command -v docker >/dev/null || die "no docker CLI here to import $out (--tar-only builds just the tarball)"
# No shell in the image: ENTRYPOINT and CMD in exec form. CMD is the DaemonSet's agent; the
# manifests give their own args (agent, join --config, leave) anyway.
id=$(docker import \
  --change 'ENTRYPOINT ["/usr/local/bin/regsetup"]' \
  --change 'CMD ["agent", "--config", "/etc/regsetup-k8s/regsetup.yaml"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV HOME=/root' \
  --change 'WORKDIR /' \
  --change "LABEL org.opencontainers.image.title=regsetup org.opencontainers.image.version=$version" \
  --message "regsetup $version (scripts/build-image.sh)" \
  "$out" "$tag")
say "imported $tag ($id)"
echo "$tag"
