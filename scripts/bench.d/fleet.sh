# Sourced by scripts/bench --fleet: the Ansible role (deploy/ansible/lab.yml, the single
# executable) over real SSH against the lab's simulated nodes, N = 1, 4 and 8 with forks = N.
# Per N: a first run on nodes without regsetup (copy the executable, join, verify), a second run
# (nothing to change; join still verifies), and the leave (state: absent, regsetup removed),
# each the median of BENCH_FLEET_RUNS rounds. Goal: N = 8 within 1.5x of N = 1.
# The nodes share this machine's CPUs (and the controller's), so each first run's CPU time is
# printed too: on nproc cores, N nodes cannot finish sooner than N x (CPU per node) / nproc.
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
  rm -f "$fleet_log" "$fleet_log.time"
}
trap fleet_done EXIT
ANSIBLE_CONFIG=$(jq -r .ansible.config "$lab_json")
control_dir=$(jq -r .ansible.controlPathDir "$lab_json")
export ANSIBLE_CONFIG REGSETUP_SEA="$PWD/$sea"
tick=$(getconf CLK_TCK)

# Every run starts without SSH control masters, as a fresh ansible-playbook does.
close_masters() {
  local sock
  for sock in "$control_dir"/*; do
    [ -S "$sock" ] && ssh -o ControlPath="$sock" -O exit lab-node >/dev/null 2>&1
  done
  return 0
}
# CPU ticks spent inside nodes 1..N: their sshd (which reaps every session, module and regsetup
# run once the control masters close), dockerd and containerd.
nodes_ticks() {
  local i p sum=0
  for ((i = 1; i <= $1; i++)); do
    for p in $(ip netns pids "$(jq -r ".nodes[$((i - 1))].netns" "$lab_json")"); do
      case "$(cat "/proc/$p/comm" 2>/dev/null)" in sshd | dockerd | containerd) ;; *) continue ;; esac
      sum=$((sum + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
  done
  echo "$sum"
}

# play N ARGS…: one ansible-playbook run on the first N nodes with N forks. Sets run_ms, and
# run_cpu (CPU seconds per node: the node's own plus its share of the controller's).
play() {
  local n=$1 start end before after controller
  shift
  close_masters
  before=$(nodes_ticks "$n")
  start=$(date +%s%N)
  # bash's own `time` (user and system CPU, its children included): no /usr/bin/time needed.
  if ! { TIMEFORMAT='%U %S'; time ansible-playbook deploy/ansible/lab.yml --limit "nodes[0:$((n - 1))]" --forks "$n" "$@" >"$fleet_log" 2>&1; } 2>"$fleet_log.time"; then
    echo "bench: this failed, no figure: ansible-playbook deploy/ansible/lab.yml (N=$n) $*" >&2
    tail -20 "$fleet_log" >&2
    exit 1
  fi
  end=$(date +%s%N)
  close_masters
  sleep 0.5
  after=$(nodes_ticks "$n")
  controller=$(awk '{print $1 + $2}' "$fleet_log.time")
  run_ms=$(((end - start) / 1000000))
  run_cpu=$(awk -v t=$((after - before)) -v hz="$tick" -v c="$controller" -v n="$n" 'BEGIN { printf "%.1f", (t / hz + c) / n }')
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }

declare -A first_ms
# Every node starts without regsetup.
play 8 -e regsetup_state=absent
for n in 1 4 8; do
  firsts=() cpus=() seconds=() leaves=()
  for _ in $(seq "$fleet_runs"); do
    play "$n"
    firsts+=("$run_ms") cpus+=("$run_cpu")
    play "$n"
    seconds+=("$run_ms")
    play "$n" -e regsetup_state=absent
    leaves+=("$run_ms")
  done
  first_ms[$n]=$(median "${firsts[@]}")
  echo "fleet: N=$n (forks $n): first run ${first_ms[$n]} ms ($(median "${cpus[@]}") CPU-s per node), second run (no change) $(median "${seconds[@]}") ms, state absent $(median "${leaves[@]}") ms"
done
echo "fleet: first run N=8 / N=1 = $(ratio "${first_ms[8]}" "${first_ms[1]}") (goal ≤ 1.50), N=4 / N=1 = $(ratio "${first_ms[4]}" "${first_ms[1]}"); $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
