# Sourced by scripts/bench --lab: verify and join against the lab, next to the plain docker work they replace.
# Joins the group registry first and leaves it at the end, so the host ends as it started.
lab_json=/var/lib/regsetup-lab/lab.json
group=$(jq -r .hosts.group "$lab_json")
pin=$(jq -r .caFingerprint "$lab_json")
ca_url=$(jq -r .caUrl "$lab_json")
pw=$(jq -r .users.admin.password "$lab_json")
runs=${BENCH_LAB_RUNS:-5}
cfg=$(mktemp -d)
trap 'rm -rf "$cfg"' EXIT
# docker login would pick the uninitialised `pass` helper on this PATH: keep it out of the way for the plain-docker side.
nopass_path=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '^/usr/bin$' | paste -sd: -):/opt/regsetup-bench-nopass
echo '{}' >"$cfg/config.json"

printf '%s\n' "$pw" | node bin/regsetup join "$group" --ca-url "$ca_url" --ca-fingerprint "$pin" --username admin --password-stdin --no-verify --yes >/dev/null 2>&1 \
  || { echo "bench: join failed; is the lab up?" >&2; exit 1; }

verify_ms=$(median_ms sh -c "printf '%s\n' '$pw' | node bin/regsetup verify $group --username admin --password-stdin")
plain_docker() {
  local tag="bench-$(date +%s%N)"
  DOCKER_CONFIG=$cfg docker pull "$group/library/hello-world:latest" &&
    DOCKER_CONFIG=$cfg docker tag "$group/library/hello-world:latest" "$group/bench/plain:$tag" &&
    DOCKER_CONFIG=$cfg docker push "$group/bench/plain:$tag" &&
    DOCKER_CONFIG=$cfg docker rmi "$group/bench/plain:$tag" "$group/library/hello-world:latest" &&
    DOCKER_CONFIG=$cfg docker pull "$group/bench/plain:$tag" &&
    DOCKER_CONFIG=$cfg docker rmi "$group/bench/plain:$tag"
}
printf '%s\n' "$pw" | DOCKER_CONFIG=$cfg PATH=$nopass_path docker login "$group" --username admin --password-stdin >/dev/null 2>&1
export -f plain_docker; export cfg group
plain_ms=$(median_ms bash -c plain_docker)
echo "verify: regsetup verify (9 steps incl. pull, push, pull-back, delete) ${verify_ms} ms, plain docker pull+tag+push+pull ${plain_ms} ms, ratio $(ratio "$verify_ms" "$plain_ms")"

noop_ms=$(median_ms node bin/regsetup join "$group" --ca-url "$ca_url" --ca-fingerprint "$pin" --no-verify --yes)
info_ms=$(median_ms docker info)
echo "join no-op: regsetup join (already up to date) ${noop_ms} ms, docker info ${info_ms} ms, ratio $(ratio "$noop_ms" "$info_ms")"

node bin/regsetup leave "$group" --yes >/dev/null 2>&1
