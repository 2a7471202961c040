#!/bin/sh
# shellcheck disable=SC2015 # `a && b || fail …` is meant: fail when either step fails
# Install the regsetup single executable on a node; POSIX sh, so it also runs as
#   curl -fsSL https://mirror.example/regsetup/install.sh | sh -s -- --sha256 HEX https://mirror.example/regsetup/regsetup-linux-x64
#
#   install.sh [--sha256 HEX] [--prefix DIR] [--cacert FILE] SOURCE
#
# SOURCE is a path, a file:// URL or an https:// URL (fetched with curl; --cacert names the CA of
# an internal mirror). The download must match --sha256, or else the checksum in SOURCE.sha256
# (npm run build:sea writes it next to the binary); on a mismatch nothing is installed.
# Installs DIR/bin/regsetup (mode 0755, replaced in one rename) and the credential helper
# DIR/bin/docker-credential-regsetup -> regsetup; DIR is /usr/local unless --prefix says.
# Installing the same binary again changes nothing.
# Exit: 0 installed or already installed, 2 bad usage, 4 refused (nothing installed), 1 failed.
set -eu

prog=install.sh
say() { printf '%s: %s\n' "$prog" "$*" >&2; }
fail() { say "$2"; exit "$1"; }
usage() { fail 2 "usage: $prog [--sha256 HEX] [--prefix DIR] [--cacert FILE] SOURCE"; }

sha='' prefix=/usr/local cacert='' src=''
while [ $# -gt 0 ]; do
  case $1 in
    --sha256) [ $# -ge 2 ] || usage; sha=$2; shift 2 ;;
    --sha256=*) sha=${1#*=}; shift ;;
    --prefix) [ $# -ge 2 ] || usage; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --cacert) [ $# -ge 2 ] || usage; cacert=$2; shift 2 ;;
    --cacert=*) cacert=${1#*=}; shift ;;
    -h | --help) echo "usage: $prog [--sha256 HEX] [--prefix DIR] [--cacert FILE] SOURCE (see the comment at the top of install.sh)"; exit 0 ;;
    --) shift; [ $# -eq 1 ] || usage; src=$1; shift ;;
    -*) usage ;;
    *) [ -z "$src" ] || usage; src=$1; shift ;;
  esac
done
[ -n "$src" ] || usage
[ -z "$cacert" ] || [ -r "$cacert" ] || fail 2 "cannot read the CA file $cacert"

# sha256 HEX of a file, with whichever tool this node has.
sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d ' ' -f 1
  elif command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
  else fail 1 'found none of sha256sum, shasum or openssl to check the download with'
  fi
}

# A checksum as sha256sum prints it: 64 hex digits, lower case.
checksum() {
  value=$(printf '%s' "$1" | tr 'A-F' 'a-f')
  case $value in *[!0-9a-f]* | '') fail 2 "not a SHA-256: $1" ;; esac
  [ ${#value} -eq 64 ] || fail 2 "not a SHA-256 (64 hex digits): $1"
  printf '%s' "$value"
}

# fetch SOURCE FILE: copy a path, or download a file:// or https:// URL (never plain http).
# Returns non-zero when it cannot; the caller says what that means.
fetch() {
  case $1 in
    https://* | file://*)
      command -v curl >/dev/null 2>&1 || fail 1 "curl is needed to download $1"
      if [ -n "$cacert" ]; then curl -fsSL --proto '=https,file' --retry 2 --cacert "$cacert" -o "$2" "$1"
      else curl -fsSL --proto '=https,file' --retry 2 -o "$2" "$1"
      fi
      ;;
    *://*) fail 2 "unsupported URL $1: give a path, a file:// or an https:// URL" ;;
    *) cp "$1" "$2" ;;
  esac
}

bindir=${prefix%/}/bin
target=$bindir/regsetup
link=$bindir/docker-credential-regsetup
work=${TMPDIR:-/tmp}/regsetup-install.$$
newbin=$bindir/.regsetup.$$
newlink=$bindir/.docker-credential-regsetup.$$
trap 'rm -rf "$work"; rm -f "$newbin" "$newlink"' EXIT
trap 'exit 1' HUP INT TERM

# Before anything is fetched or written: a docker-credential-regsetup that is neither a link nor
# the wrapper `regsetup login` writes belongs to someone else.
# shellcheck disable=SC2016 # the backquotes are literal text of the wrapper
if [ -e "$link" ] && [ ! -L "$link" ] && ! grep -q 'Installed by `regsetup login`' "$link" 2>/dev/null; then
  fail 4 "$link exists and is not regsetup's: remove it first (nothing was installed)"
fi

link_ok() { [ -L "$link" ] && [ "$(readlink "$link")" = regsetup ]; }

install_link() {
  link_ok && return 0
  ln -s regsetup "$newlink" && mv -f "$newlink" "$link" || fail 1 "cannot write $link"
  say "linked $link -> regsetup"
}

installed_sha() { [ -f "$target" ] && sha256_of "$target" || true; }

# With the checksum given and already installed: no download at all.
if [ -n "$sha" ]; then
  sha=$(checksum "$sha")
  if [ "$(installed_sha)" = "$sha" ]; then
    install_link
    say "regsetup is already installed at $target (sha256 $sha)"
    exit 0
  fi
fi

(umask 077 && mkdir "$work") || fail 1 "cannot make a temporary directory $work"
fetch "$src" "$work/regsetup" || fail 1 "could not fetch $src (nothing was installed)"
if [ -z "$sha" ]; then
  fetch "$src.sha256" "$work/regsetup.sha256" 2>/dev/null || fail 4 "no --sha256 given and no checksum at $src.sha256: refusing to install an unchecked binary"
  sha=$(checksum "$(cut -d ' ' -f 1 "$work/regsetup.sha256")")
fi
got=$(sha256_of "$work/regsetup")
[ "$got" = "$sha" ] || fail 4 "checksum mismatch for $src: expected $sha, got $got (nothing was installed)"

if [ "$(installed_sha)" = "$sha" ]; then
  install_link
  say "regsetup is already installed at $target (sha256 $sha)"
  exit 0
fi

mkdir -p "$bindir" 2>/dev/null || fail 1 "cannot create $bindir (run as root, or give --prefix)"
cp "$work/regsetup" "$newbin" 2>/dev/null && chmod 0755 "$newbin" || fail 1 "cannot write $bindir (run as root, or give --prefix)"
# Started from where it will live (a noexec /tmp is common): a binary that cannot run on this
# node (another architecture, too old a C library) is refused before it replaces anything.
version=$("$newbin" --version 2>&1) || fail 4 "the downloaded regsetup does not run on this node: $version (nothing was installed)"
mv -f "$newbin" "$target" || fail 1 "cannot write $target"
install_link
say "installed regsetup $version at $target (sha256 $sha)"
