# Sourced by scripts/bench --fleet: the Ansible role (deploy/ansible/lab.yml, the single
# executable) over real SSH against the lab's simulated nodes, N = 1, 4 and 8 with forks = N.
# Per N: a first run on nodes without regsetup (copy the executable, join, verify), a second run
# (nothing to change; join still verifies), and the leave (state: absent, regsetup removed),
# each the median of BENCH_FLEET_RUNS rounds. Goal: N = 8 within 1.5x of N = 1.
# Brings 8 nodes up when fewer are, and takes them down again at the end.
lab_json=/var/lib/regsetup-lab/lab.json
fleet_runs=${BENCH_FLEET_RUNS:-3}
command -v ansible-playbook >/dev/null || { echo "bench --fleet: no ansible-playbook (bash scripts/lab.sh up installs Debian's ansible)" >&2; exit 2; }
[ -x "$sea" ] || npm run -s build:sea
nodes_started=0
if [ "$(jq '.nodes | length' "$lab_json")" -lt 8 ]; then
  bash scripts/lab.sh nodes up 8 >/dev/null
  nodes_started=1
fi
fleet_log=$(mktemp)
fleet_done() {
  [ "$nodes_started" = 1 ] && bash scripts/lab.sh nodes down >/dev/null
  rm -f "$fleet_log"
}
trap fleet_done EXIT
ANSIBLE_CONFIG=$(jq -r .ansible.config "$lab_json")
export ANSIBLE_CONFIG REGSETUP_SEA="$PWD/$sea"

# play_ms N ARGS…: one ansible-playbook run on the first N nodes with N forks, its wall time in ms.
play_ms() {
  local n=$1 start end
  shift
  start=$(date +%s%N)
  if ! ansible-playbook deploy/ansible/lab.yml --limit "nodes[0:$((n - 1))]" --forks "$n" "$@" >"$fleet_log" 2>&1; then
    echo "bench: this failed, no figure: ansible-playbook deploy/ansible/lab.yml (N=$n) $*" >&2
    tail -20 "$fleet_log" >&2
    exit 1
  fi
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }

declare -A first_ms
# Every node starts without regsetup.
play_ms 8 -e regsetup_state=absent >/dev/null
for n in 1 4 8; do
  firsts=() seconds=() leaves=()
  for _ in $(seq "$fleet_runs"); do
    firsts+=("$(play_ms "$n")")
    seconds+=("$(play_ms "$n")")
    leaves+=("$(play_ms "$n" -e regsetup_state=absent)")
  done
  first_ms[$n]=$(median "${firsts[@]}")
  echo "fleet: N=$n (forks $n): first run ${first_ms[$n]} ms, second run (no change) $(median "${seconds[@]}") ms, state absent $(median "${leaves[@]}") ms"
done
echo "fleet: first run N=8 / N=1 = $(ratio "${first_ms[8]}" "${first_ms[1]}") (goal ≤ 1.50), N=4 / N=1 = $(ratio "${first_ms[4]}" "${first_ms[1]}"); $(nproc) CPUs"
