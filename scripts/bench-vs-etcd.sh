#!/usr/bin/env bash
# bench-vs-etcd.sh: the same workloads against a 3-member etcd 3.4 cluster and a 3-member Strata
# cluster, one cluster at a time, on 127.0.0.1 only; prints throughput and p99 latency of each
# workload for both, and the ratio Strata/etcd.
#
#   scripts/bench-vs-etcd.sh
#   BENCH_TARGETS=etcd BENCH_TOTAL=5000 scripts/bench-vs-etcd.sh      # etcd only, quick
#   BENCH_DURATION=30s BENCH_CLIENTS=64 BENCH_CONNS=8 scripts/bench-vs-etcd.sh
#
# The load comes from bin/strata-bench, which speaks only etcd's public v3 gRPC API, so both
# clusters see exactly the same requests (same keys, same values, same seed). Every client channel
# connects to one member, round-robin over the three, so writes also exercise forwarding to the
# leader on both systems.
#
# Tuning (environment):
#   BENCH_TARGETS         clusters to run, in order            (default: "etcd strata")
#   BENCH_WORKLOADS       put, range (linearizable), range-serializable
#                                                              (default: "put range range-serializable")
#   BENCH_TOTAL           requests per workload                (default: 20000)
#   BENCH_DURATION        run each workload this long instead of BENCH_TOTAL, e.g. 20s
#   BENCH_WARMUP          unmeasured warm-up before each workload (default: 2s; "0" for none)
#   BENCH_ROUNDS          runs of each workload; the table shows the median (default: 1; use 3 or
#                         more on a busy machine, where single runs vary by tens of percent)
#   BENCH_CLIENTS         concurrent in-flight requests        (default: 16)
#   BENCH_CONNS           gRPC channels                        (default: 3, at most BENCH_CLIENTS)
#   BENCH_KEY_SIZE, BENCH_VAL_SIZE, BENCH_KEY_SPACE            (default: 8, 256, 10000)
#   BENCH_ETCD_PORT       first etcd port: clients use it +0..2, peers +100..102, metrics +200..202
#                                                              (default: 22379)
#   BENCH_STRATA_PORT     the same for Strata                  (default: 24379)
#   BENCH_START_TIMEOUT   seconds a cluster gets to become healthy (default: 90)
#   BENCH_RUN_TIMEOUT     seconds one benchmark run may take   (default: 300, or duration + 120)
#   BENCH_ETCD_BIN        etcd 3.4 binary                      (default: etcd on PATH)
#   BENCH_STRATA_BIN      Strata launcher                      (default: bin/strata)
#   BENCH_STRATA_JAVA_OPTS  JVM options of each Strata member, passed to bin/strata as
#                         STRATA_JAVA_OPTS                     (default: -Xmx1g)
#   BENCH_JAVA_OPTS       JVM options of the benchmark client  (default: -Xmx1g -XX:+UseParallelGC)
#   BENCH_KEEP            1 keeps the temporary directory (data, logs, raw reports)
#
# Exit status: 0 when every run succeeded, 1 when a run or a cluster failed, 2 for bad settings.
# Bounded in time: each cluster start is bounded by BENCH_START_TIMEOUT, each run by
# BENCH_RUN_TIMEOUT, each stop by 20 s. Every process started here is stopped on exit (its whole
# process group: a launcher script and the JVM it starts go together).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/.." && pwd)"

targets="${BENCH_TARGETS:-etcd strata}"
workloads="${BENCH_WORKLOADS:-put range range-serializable}"
total="${BENCH_TOTAL:-20000}"
duration="${BENCH_DURATION:-}"
warmup="${BENCH_WARMUP:-2s}"
rounds="${BENCH_ROUNDS:-1}"
clients="${BENCH_CLIENTS:-16}"
conns="${BENCH_CONNS:-3}"
key_size="${BENCH_KEY_SIZE:-8}"
val_size="${BENCH_VAL_SIZE:-256}"
key_space="${BENCH_KEY_SPACE:-10000}"
etcd_port="${BENCH_ETCD_PORT:-22379}"
strata_port="${BENCH_STRATA_PORT:-24379}"
start_timeout="${BENCH_START_TIMEOUT:-90}"
etcd_bin="${BENCH_ETCD_BIN:-$(command -v etcd || true)}"
strata_bin="${BENCH_STRATA_BIN:-$repo_root/bin/strata}"
strata_java_opts="${BENCH_STRATA_JAVA_OPTS:--Xmx1g}"
bench="$repo_root/bin/strata-bench"
members=3

export ETCDCTL_API=3

log() { printf '[bench-vs-etcd %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $1"; exit "${2:-1}"; } # message [exit status, default 1]

is_whole_number() { [[ "$1" =~ ^[0-9]+$ ]]; }

# Seconds in a duration such as 500ms, 20s, 2m, 1h (rounded up); empty if not one.
duration_seconds() {
  local text="$1"
  case "$text" in
    *ms) is_whole_number "${text%ms}" && echo $(( (${text%ms} + 999) / 1000 )) ;;
    *s) is_whole_number "${text%s}" && echo "${text%s}" ;;
    *m) is_whole_number "${text%m}" && echo $(( ${text%m} * 60 )) ;;
    *h) is_whole_number "${text%h}" && echo $(( ${text%h} * 3600 )) ;;
    *) return 0 ;;
  esac
}

# --- settings -------------------------------------------------------------------------------------

for setting in total rounds clients conns key_size val_size key_space etcd_port strata_port start_timeout; do
  is_whole_number "${!setting}" || die "BENCH_${setting^^} must be a whole number, got '${!setting}'" 2
done
if [[ -n "$duration" && -z "$(duration_seconds "$duration")" ]]; then
  die "BENCH_DURATION must look like 500ms, 20s, 2m or 1h, got '$duration'" 2
fi
if [[ "$warmup" == "0" ]]; then
  warmup=""
elif [[ -z "$(duration_seconds "$warmup")" ]]; then
  die "BENCH_WARMUP must look like 500ms, 2s or 1m (or 0), got '$warmup'" 2
fi
(( rounds >= 1 )) || die "BENCH_ROUNDS must be at least 1" 2
if (( conns > clients )); then
  conns="$clients"
fi
if [[ -n "${BENCH_RUN_TIMEOUT:-}" ]]; then
  run_timeout="$BENCH_RUN_TIMEOUT"
elif [[ -n "$duration" ]]; then
  run_timeout=$(( $(duration_seconds "$duration") + 120 ))
else
  run_timeout=300
fi
is_whole_number "$run_timeout" || die "BENCH_RUN_TIMEOUT must be a whole number of seconds" 2
if [[ -n "$warmup" ]]; then
  run_timeout=$(( run_timeout + $(duration_seconds "$warmup") ))
fi

for target in $targets; do
  case "$target" in
    etcd)
      [[ -n "$etcd_bin" && -x "$etcd_bin" ]] ||
        die "etcd not found; install it with: apt-get install -y etcd-server etcd-client" 2
      command -v etcdctl >/dev/null ||
        die "etcdctl not found; install it with: apt-get install -y etcd-client" 2
      etcd_version="$("$etcd_bin" --version 2>/dev/null | sed -n 's/^etcd Version: //p')"
      [[ "$etcd_version" == 3.4.* ]] || log "warning: expected etcd 3.4, found '${etcd_version:-unknown}'"
      ;;
    strata)
      [[ -x "$strata_bin" ]] ||
        die "$strata_bin not found or not executable; build the server first, or run with BENCH_TARGETS=etcd" 2
      command -v etcdctl >/dev/null ||
        die "etcdctl not found (needed for health checks); install it with: apt-get install -y etcd-client" 2
      ;;
    *) die "unknown target '$target' in BENCH_TARGETS (expected etcd and/or strata)" 2 ;;
  esac
done
for workload in $workloads; do
  case "$workload" in
    put | range | range-serializable) ;;
    *) die "unknown workload '$workload' in BENCH_WORKLOADS (expected put, range, range-serializable)" 2 ;;
  esac
done

# --- process bookkeeping --------------------------------------------------------------------------

work_dir="$(mktemp -d "${TMPDIR:-/tmp}/bench-vs-etcd.XXXXXX")"
started_groups=()   # process group ids of everything started here (members, benchmark runs)
failed=0

# Starts "$@" in a new session with output to a log; its pid is its process group id.
start_group() {
  local log_file="$1"
  shift
  setsid "$@" >"$log_file" 2>&1 </dev/null &
  started_groups+=("$!")
  last_group="$!"
}

# A group is addressed by its leader's pid; right after the fork the leader may not have made its
# group yet, hence the fallback to the pid itself.
group_alive() { kill -0 -- "-$1" 2>/dev/null || kill -0 "$1" 2>/dev/null; }
signal_group() { kill "-$1" -- "-$2" 2>/dev/null || kill "-$1" "$2" 2>/dev/null || true; }

# Stops the given process groups: SIGTERM, up to 10 s of grace, then SIGKILL.
stop_groups() {
  local group alive deadline=$(( SECONDS + 10 ))
  for group in "$@"; do
    signal_group TERM "$group"
  done
  while (( SECONDS < deadline )); do
    alive=0
    for group in "$@"; do
      if group_alive "$group"; then alive=1; fi
    done
    (( alive )) || break
    sleep 0.2
  done
  for group in "$@"; do
    if group_alive "$group"; then
      log "process group $group did not stop in 10 s; killing it"
      signal_group KILL "$group"
    fi
  done
  for group in "$@"; do
    wait "$group" 2>/dev/null || true
  done
}

forget_groups() {
  local group remaining=()
  for group in "${started_groups[@]}"; do
    [[ " $* " == *" $group "* ]] || remaining+=("$group")
  done
  started_groups=("${remaining[@]}")
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if (( ${#started_groups[@]} > 0 )); then
    log "stopping ${#started_groups[@]} process group(s)"
    stop_groups "${started_groups[@]}"
  fi
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then
    log "kept $work_dir"
  else
    rm -rf "$work_dir"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- clusters -------------------------------------------------------------------------------------

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

client_endpoints() { # base port -> "http://127.0.0.1:p0,http://127.0.0.1:p1,..."
  local base="$1" i list=()
  for (( i = 0; i < members; i++ )); do list+=("http://127.0.0.1:$(( base + i ))"); done
  (IFS=,; echo "${list[*]}")
}

# Starts a 3-member cluster of $1 (etcd or strata) with etcd's flags; sets cluster_groups.
start_cluster() {
  local target="$1" base="$2" binary i name port cluster="" names=()
  for (( i = 0; i < members; i++ )); do
    for port in $(( base + i )) $(( base + 100 + i )) $(( base + 200 + i )); do
      if port_in_use "$port"; then
        die "port $port is already in use; choose other ports with BENCH_${target^^}_PORT"
      fi
    done
    names+=("${target}-$i")
    cluster+="${cluster:+,}${target}-$i=http://127.0.0.1:$(( base + 100 + i ))"
  done
  binary="$etcd_bin"
  [[ "$target" == strata ]] && binary="$strata_bin"

  cluster_groups=()
  for (( i = 0; i < members; i++ )); do
    name="${names[$i]}"
    mkdir -p "$work_dir/$target/$name.data"
    chmod 700 "$work_dir/$target/$name.data"
    local args=(
      --name "$name"
      --data-dir "$work_dir/$target/$name.data"
      --listen-client-urls "http://127.0.0.1:$(( base + i ))"
      --advertise-client-urls "http://127.0.0.1:$(( base + i ))"
      --listen-peer-urls "http://127.0.0.1:$(( base + 100 + i ))"
      --initial-advertise-peer-urls "http://127.0.0.1:$(( base + 100 + i ))"
      --initial-cluster "$cluster"
      --initial-cluster-state new
      --listen-metrics-urls "http://127.0.0.1:$(( base + 200 + i ))"
    )
    if [[ "$target" == etcd ]]; then
      start_group "$work_dir/$target/$name.log" "$binary" "${args[@]}" --initial-cluster-token bench-etcd
    else
      start_group "$work_dir/$target/$name.log" env STRATA_JAVA_OPTS="$strata_java_opts" "$binary" "${args[@]}"
    fi
    cluster_groups+=("$last_group")
  done
  log "started $target members (process groups ${cluster_groups[*]}); logs in $work_dir/$target"
}

show_logs() {
  local target="$1" log_file
  for log_file in "$work_dir/$target"/*.log; do
    log "last lines of $log_file:"
    tail -n 20 "$log_file" >&2 || true
  done
}

# Waits until etcdctl finds every member healthy; false on timeout or when a member exits.
await_healthy() {
  local target="$1" endpoints="$2" deadline=$(( SECONDS + start_timeout )) group
  while (( SECONDS < deadline )); do
    for group in "${cluster_groups[@]}"; do
      if ! group_alive "$group"; then
        log "a $target member (process group $group) exited during start-up"
        return 1
      fi
    done
    if etcdctl --endpoints "$endpoints" --dial-timeout 2s --command-timeout 3s \
        endpoint health >"$work_dir/$target/health.out" 2>&1; then
      log "$target cluster is healthy"
      return 0
    fi
    sleep 0.5
  done
  log "$target cluster not healthy after ${start_timeout}s:"
  cat "$work_dir/$target/health.out" >&2 || true
  return 1
}

# --- benchmark runs -------------------------------------------------------------------------------

declare -A throughput p99

# Runs one workload once against $2 (client endpoints); sets run_rps and run_p99, or fails.
run_once() {
  local target="$1" endpoints="$2" workload="$3" round="$4"
  local report="$work_dir/$target/$workload.round$round.report"
  local args=(--endpoints "$endpoints" --clients "$clients" --conns "$conns"
    --key-size "$key_size" --val-size "$val_size" --key-space-size "$key_space")
  case "$workload" in
    put) args=(put "${args[@]}") ;;
    range) args=(range "${args[@]}" --consistency l --prefill) ;;
    range-serializable) args=(range "${args[@]}" --consistency s --prefill) ;;
  esac
  if [[ -n "$duration" ]]; then args+=(--duration "$duration"); else args+=(--total "$total"); fi
  if [[ -n "$warmup" ]]; then args+=(--warmup "$warmup"); fi

  log "$target: $workload, round $round of $rounds (${args[*]})"
  local status=0 group
  # timeout makes itself a process-group leader, so the group can be stopped as one.
  timeout --kill-after=10 "$run_timeout" "$bench" "${args[@]}" >"$report" 2>"$report.err" </dev/null &
  group="$!"
  started_groups+=("$group")
  wait "$group" || status=$?
  forget_groups "$group"

  run_rps="$(awk '$1 == "throughput_rps:" {print $2}' "$report")"
  run_p99="$(awk '$1 == "latency_p99_ms:" {print $2}' "$report")"
  if (( status != 0 )) || [[ -z "$run_rps" ]]; then
    if (( status == 124 )); then log "$target $workload: timed out after ${run_timeout}s"; fi
    log "$target $workload failed (exit $status):"
    cat "$report" "$report.err" >&2 || true
    return 1
  fi
  local errors
  errors="$(awk '$1 == "errors:" {print $2}' "$report")"
  if [[ "$errors" != 0 ]]; then
    log "warning: $target $workload had $errors failed request(s):" \
      "$(sed -n 's/^sample_error: //p' "$report")"
  fi
  log "$target $workload: ${run_rps} req/s, p99 ${run_p99} ms, errors ${errors}"
}

median() { # printf format, then numbers -> their median in that format
  local format="$1"
  shift
  printf '%s\n' "$@" | sort -g | awk -v format="$format\n" '{ v[NR] = $1 }
    END { printf format, (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Runs one workload BENCH_ROUNDS times and records the median figures under "$1 $3".
run_workload() {
  local target="$1" endpoints="$2" workload="$3" round rps_values=() p99_values=()
  for (( round = 1; round <= rounds; round++ )); do
    if ! run_once "$target" "$endpoints" "$workload" "$round"; then
      throughput["$target $workload"]="failed"
      p99["$target $workload"]="failed"
      failed=1
      return 0
    fi
    rps_values+=("$run_rps")
    p99_values+=("$run_p99")
  done
  throughput["$target $workload"]="$(median %.1f "${rps_values[@]}")"
  p99["$target $workload"]="$(median %.3f "${p99_values[@]}")"
}

benchmark_target() {
  local target="$1" base endpoints
  base="$etcd_port"
  [[ "$target" == strata ]] && base="$strata_port"
  endpoints="$(client_endpoints "$base")"
  mkdir -p "$work_dir/$target"

  start_cluster "$target" "$base"
  if ! await_healthy "$target" "$endpoints"; then
    show_logs "$target"
    failed=1
    stop_groups "${cluster_groups[@]}"
    forget_groups "${cluster_groups[@]}"
    return 0
  fi
  local workload
  for workload in $workloads; do
    run_workload "$target" "$endpoints" "$workload"
  done
  log "stopping the $target cluster"
  stop_groups "${cluster_groups[@]}"
  forget_groups "${cluster_groups[@]}"
}

# --- main -----------------------------------------------------------------------------------------

# Build what is missing before any cluster runs, so no build competes with a measurement (and
# three members starting at once never run three builds).
"$bench" --help >/dev/null
if [[ " $targets " == *" strata "* && "$strata_bin" == "$repo_root/bin/strata" ]] &&
    ! compgen -G "$repo_root/server/target/server-*.jar" >/dev/null; then
  log "building the Strata server (mvn -q -B -DskipTests install -pl server -am)"
  (cd "$repo_root" && mvn -q -B -DskipTests install -pl server -am) >&2
fi

log "work dir $work_dir; targets: $targets; workloads: $workloads"
for target in $targets; do
  benchmark_target "$target"
done

ratio() { # strata etcd -> strata/etcd, or "-" when either is missing
  awk -v s="$1" -v e="$2" 'BEGIN {
    if (s ~ /^[0-9.]+$/ && e ~ /^[0-9.]+$/ && e + 0 > 0) printf "%.2f", s / e; else print "-" }'
}

if [[ -n "$duration" ]]; then load="for $duration"; else load="$total requests"; fi
if (( rounds > 1 )); then load+=", median of $rounds rounds,"; fi
echo
echo "Strata vs etcd: $members members each on 127.0.0.1; $load per workload (warm-up ${warmup:-none})," \
  "$clients clients over $conns connections, key $key_size B, value $val_size B, key space $key_space"
echo "machine: $(nproc) CPU(s), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM;" \
  "etcd ${etcd_version:-not run}; client and servers share the machine"
echo
printf '%-20s %12s %12s %12s %12s %10s %10s\n' \
  workload etcd_rps etcd_p99_ms strata_rps strata_p99_ms rps_ratio p99_ratio
for workload in $workloads; do
  printf '%-20s %12s %12s %12s %12s %10s %10s\n' "$workload" \
    "${throughput["etcd $workload"]:--}" "${p99["etcd $workload"]:--}" \
    "${throughput["strata $workload"]:--}" "${p99["strata $workload"]:--}" \
    "$(ratio "${throughput["strata $workload"]:-}" "${throughput["etcd $workload"]:-}")" \
    "$(ratio "${p99["strata $workload"]:-}" "${p99["etcd $workload"]:-}")"
done
echo "(ratios are strata/etcd: rps_ratio above 1 means Strata is faster, p99_ratio above 1 means its p99 is higher)"
if (( rounds > 1 )); then
  echo "(each figure is the median of its own column over the rounds; raw reports: BENCH_KEEP=1)"
fi

exit "$failed"
