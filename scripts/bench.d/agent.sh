# Sourced by scripts/bench --agent (the lab must be up): the agent's budgets.
#   drift repaired (file changed → file restored and dockerd confirmed), p50/p95 over 20 hand edits
#   idle RSS and CPU after BENCH_AGENT_IDLE_SECONDS (default 600) from /proc
#   a no-change periodic check: its duration (the agent's own step timings) against `docker info`,
#   and no writes (mtimes) and no signals (dockerd reload events) while it ran
# The host is put back as it was: daemon.json, the journal, certs.d of the group.
lab_json=/var/lib/regsetup-lab/lab.json
group=$(jq -r .hosts.group "$lab_json")
pin=$(jq -r .caFingerprint "$lab_json")
ca_url=$(jq -r .caUrl "$lab_json")
idle=${BENCH_AGENT_IDLE_SECONDS:-600}
sandbox=$(mktemp -d)
had_daemon_json=0; [ -e /etc/docker/daemon.json ] && had_daemon_json=1 && cp -p /etc/docker/daemon.json "$sandbox/daemon.json.orig"
had_state=0; [ -e /var/lib/regsetup ] && had_state=1 && cp -a /var/lib/regsetup "$sandbox/state.orig"
agent_pid=
restore_agent_host() {
  [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  node bin/regsetup leave "$group" --yes >/dev/null 2>&1 || true
  if [ "$had_daemon_json" = 1 ]; then cp -p "$sandbox/daemon.json.orig" /etc/docker/daemon.json; else rm -f /etc/docker/daemon.json; fi
  rm -rf /var/lib/regsetup; [ "$had_state" = 1 ] && cp -a "$sandbox/state.orig" /var/lib/regsetup
  rm -rf "$sandbox"
}
trap restore_agent_host EXIT
export HOME="$sandbox/home" DOCKER_CONFIG="$sandbox/docker" REGSETUP_CREDENTIALS_DIR="$sandbox/store" REGSETUP_CREDENTIALS_KEY_DIR="$sandbox/key"
mkdir -p "$HOME" "$DOCKER_CONFIG"
cat >"$sandbox/regsetup.yaml" <<YAML
version: 1
agent:
  interval: ${BENCH_AGENT_INTERVAL:-60s}
registries:
  - registry: $group
    mirrors: [https://$group]
    runtimes: [docker]
    ca: {url: $ca_url, fingerprints: [$pin]}
YAML
sock="$sandbox/agent.sock"
node --max-semi-space-size=1 bin/regsetup agent --config "$sandbox/regsetup.yaml" --socket "$sock" >"$sandbox/agent.log" 2>&1 &
agent_pid=$!
healthz() { curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" http://agent/healthz 2>/dev/null; }
for _ in $(seq 600); do [ "$(healthz)" = 200 ] && break; sleep 0.1; done
[ "$(healthz)" = 200 ] || { echo "bench --agent: the agent did not get healthy:" >&2; tail -20 "$sandbox/agent.log" >&2; exit 1; }

read -r p50 p95 all < <(node scripts/bench.d/agent-drift.mjs "https://$group" "${BENCH_AGENT_EDITS:-20}")
echo "agent: drift repaired (daemon.json edited → restored, dockerd confirmed) p50 ${p50} ms, p95 ${p95} ms over ${BENCH_AGENT_EDITS:-20} edits (goal p95 ≤ 2000 ms): $all"

# A no-change periodic check: wait for one, then read its step timings from /metrics.
metric() { curl -s --unix-socket "$sock" http://agent/metrics | awk -v m="$1" '$1 ~ "^"m { s += $2 } END { printf "%.0f", s * 1000 }'; }
runs() { curl -s --unix-socket "$sock" http://agent/metrics | awk '$1 == "regsetup_converge_runs_total{trigger=\"period\"}" { print $2 }'; }
before_runs=$(runs); before_runs=${before_runs:-0}
m_daemon=$(stat -c %.9Y /etc/docker/daemon.json 2>/dev/null || echo none); m_state=$(stat -c %.9Y /var/lib/regsetup/state.json)
sleep 1 # the last repair's reload must fall before the window (docker events counts whole seconds)
since=$(date +%s.%N)
for _ in $(seq 1200); do [ "${before_runs}" != "$(runs)" ] && [ -n "$(runs)" ] && break; sleep 0.1; done
check_ms=$(( $(metric 'regsetup_verify_step_duration_seconds\\{registry="'"$group"'",step="(clock|preflight|plan)"') ))
reloads=$(docker events --since "$since" --until "$(date +%s.%N)" --filter type=daemon --filter event=reload --format '{{.TimeNano}}' | wc -l)
writes=0; [ "$m_daemon" = "$(stat -c %.9Y /etc/docker/daemon.json 2>/dev/null || echo none)" ] || writes=$((writes + 1)); [ "$m_state" = "$(stat -c %.9Y /var/lib/regsetup/state.json)" ] || writes=$((writes + 1))
info_ms=$(median_ms docker info)
echo "agent: no-change periodic check ${check_ms} ms (clock + preflight + plan); docker info ${info_ms} ms; ratio $(ratio "$check_ms" "$info_ms") (goal ≤ 2); writes ${writes}, dockerd reloads ${reloads} (goal 0, 0)"

# Idle: RSS and CPU over the idle window (no edits, periods only).
ticks() { awk '{ print $14 + $15 }' "/proc/$agent_pid/stat"; }
hz=$(getconf CLK_TCK); t0=$(ticks); s0=$(date +%s%N)
sleep "$idle"
t1=$(ticks); s1=$(date +%s%N)
rss_kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$agent_pid/status")
cpu=$(awk -v t="$((t1 - t0))" -v hz="$hz" -v ns="$((s1 - s0))" 'BEGIN { printf "%.3f", 100 * (t / hz) / (ns / 1e9) }')
echo "agent: idle after ${idle} s: RSS $((rss_kb / 1024)) MB (goal ≤ 60), CPU ${cpu} % (goal ≤ 0.1; periods every ${BENCH_AGENT_INTERVAL:-60s} included)"
