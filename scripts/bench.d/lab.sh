# Sourced by scripts/bench --lab: verify and join against the lab, next to the plain docker work they replace.
# Joins the group registry first and leaves it at the end; credentials, Docker configs and the
# credential store live in a temp dir, so the host ends as it started.
lab_json=/var/lib/regsetup-lab/lab.json
group=$(jq -r .hosts.group "$lab_json")
pin=$(jq -r .caFingerprint "$lab_json")
ca_url=$(jq -r .caUrl "$lab_json")
pw=$(jq -r .users.admin.password "$lab_json")
runs=${BENCH_LAB_RUNS:-5}
sandbox=$(mktemp -d)
# Put back what join/leave leave behind on a host that had none of it: daemon.json, the journal.
had_daemon_json=0; [ -e /etc/docker/daemon.json ] && had_daemon_json=1 && cp -p /etc/docker/daemon.json "$sandbox/daemon.json.orig"
had_state=0; [ -e /var/lib/regsetup ] && had_state=1
restore_host() {
  if [ "$had_daemon_json" = 1 ]; then cp -p "$sandbox/daemon.json.orig" /etc/docker/daemon.json; else rm -f /etc/docker/daemon.json; fi
  [ "$had_state" = 1 ] || rm -rf /var/lib/regsetup
  rm -rf "$sandbox"
}
trap restore_host EXIT
mkdir -p "$sandbox/regsetup-docker" "$sandbox/plain-docker" "$sandbox/home"
export HOME="$sandbox/home" DOCKER_CONFIG="$sandbox/regsetup-docker" \
  REGSETUP_CREDENTIALS_DIR="$sandbox/store" REGSETUP_CREDENTIALS_KEY_DIR="$sandbox/key" \
  SYSTEMD_CREDENTIAL_SECRET="$sandbox/credential.secret"
# The plain-docker side logs in the old way (plaintext auths), as the blog posts do.
printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$group" "$(printf 'admin:%s' "$pw" | base64 -w0)" >"$sandbox/plain-docker/config.json"

printf '%s\n' "$pw" | node bin/regsetup join "$group" --ca-url "$ca_url" --ca-fingerprint "$pin" --username admin --password-stdin --no-verify --yes >/dev/null 2>&1 \
  || { echo "bench: join failed; is the lab up?" >&2; exit 1; }

verify_ms=$(median_ms node bin/regsetup verify "$group")
plain_docker() {
  local tag="bench-$(date +%s%N)" d=(docker --config "$sandbox/plain-docker")
  "${d[@]}" pull "$group/library/hello-world:latest" &&
    "${d[@]}" tag "$group/library/hello-world:latest" "$group/bench/plain:$tag" &&
    "${d[@]}" push "$group/bench/plain:$tag" &&
    "${d[@]}" rmi "$group/bench/plain:$tag" "$group/library/hello-world:latest" &&
    "${d[@]}" pull "$group/bench/plain:$tag" &&
    "${d[@]}" rmi "$group/bench/plain:$tag"
}
export -f plain_docker; export sandbox group
plain_ms=$(median_ms bash -c plain_docker)
echo "verify: regsetup verify (9 steps: pull via mirror and registry, push, pull back, delete) ${verify_ms} ms; plain docker pull+tag+push+pull ${plain_ms} ms; ratio $(ratio "$verify_ms" "$plain_ms")"

noop_ms=$(median_ms node bin/regsetup join "$group" --ca-url "$ca_url" --ca-fingerprint "$pin" --no-verify --yes)
info_ms=$(median_ms docker info)
echo "join no-op: regsetup join (already up to date) ${noop_ms} ms; docker info ${info_ms} ms; ratio $(ratio "$noop_ms" "$info_ms")"

node bin/regsetup leave "$group" --yes >/dev/null 2>&1
