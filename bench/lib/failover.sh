# Shared by the failover benches (bench/failover_static.sh, bench/failover_sentinel.sh): sourced,
# not run. A master and 2 replicas (and 3 Sentinels) on fresh ports for every run, HAProxy or
# respproxy in front, bench/append_workload.py as the clients, and everything stopped by PID.
# The caller cds to the repository root first, then calls failover_args and failover_init, and
# defines start_respproxy (its service's configuration), run, and fault_<name> for its own faults.
#
# Globals a run sets: RUN (its directory), PM PR1 PR2 (the master's and the replicas' ports), PW and
# PRD (the proxy's write and read ports; HAProxy gets a read frontend only when PRD is set), SENT
# (the Sentinels' ports, empty without Sentinels), PID_m (the master's PID), CLIENT and STOPFILE.

PIDS=()
PROXIES=()
FAULTS=()
RUNS=1
JAR=proxy/target/respproxy.jar

# failover_args "DEFAULT FAULTS" ARGS...: [--runs N] [haproxy|respproxy ...] [-- FAULT ...]
failover_args() {
  local defaults=$1; shift
  while [ $# -gt 0 ]; do
    case "$1" in
      --) shift; FAULTS=("$@"); break ;;
      --runs) RUNS=$2; shift 2 ;;
      *) PROXIES+=("$1"); shift ;;
    esac
  done
  [ ${#PROXIES[@]} -gt 0 ] || PROXIES=(haproxy respproxy)
  # shellcheck disable=SC2206
  [ ${#FAULTS[@]} -gt 0 ] || FAULTS=($defaults)
}

# failover_init TOOL...: builds the jar if missing, checks the tools, makes the work directory.
failover_init() {
  [ -f "$JAR" ] || ./mvnw -q -DskipTests package
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "failover bench: $tool not found" >&2; exit 1; }
  done
  WORK=$(mktemp -d /tmp/respproxy-failover.XXXXXX)
  trap cleanup EXIT
}

stop_all() {
  local p
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}
cleanup() { stop_all; [ "${KEEP:-no}" = yes ] || rm -rf "$WORK"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
cli() { redis-cli -h 127.0.0.1 -p "$@"; }

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 100 ms.
wait_for() {
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then echo "failover bench: timed out waiting for $what" >&2; return 1; fi
    sleep 0.1
  done
}
linked_to() { cli "$1" info replication | tr -d '\r' | grep -q "^master_port:$2$" \
  && cli "$1" info replication | tr -d '\r' | grep -q '^master_link_status:up$'; }
is_master() { cli "$1" role | head -1 | grep -qx master; }
sentinel_ready() {
  local out; out=$(cli "$1" sentinel master mymaster | tr -d '\r')
  echo "$out" | grep -A1 -x num-slaves | tail -1 | grep -qx 2 \
    && echo "$out" | grep -A1 -x num-other-sentinels | tail -1 | grep -qx 2
}
sentinel_master_port() { cli "$1" sentinel get-master-addr-by-name mymaster | tail -1 | tr -d '\r'; }
new_master_agreed() { # old-port: every Sentinel names one other master, which says master
  local p first=""
  for s in "${SENT[@]}"; do
    p=$(sentinel_master_port "$s") || return 1
    [ "$p" != "$1" ] || return 1
    [ -z "$first" ] && first=$p
    [ "$p" = "$first" ] || return 1
  done
  is_master "$first"
}
masters_agree() { # every Sentinel names the same master, which says master; prints its port
  local p first=""
  for s in "${SENT[@]}"; do
    p=$(sentinel_master_port "$s") || return 1
    [ -z "$first" ] && first=$p
    [ "$p" = "$first" ] || return 1
  done
  is_master "$first" && echo "$first"
}
# settled_master: the master the Sentinels agree on, unchanged over 2 s (a Sentinel may fail over
# a second time when the machine is loaded: the appends must be checked on the last master).
settled_master() {
  local prev="" m
  for _ in $(seq 1 20); do
    wait_for 30 "the Sentinels to agree on a master" masters_agree || return 1
    m=$(masters_agree)
    [ -n "$m" ] && [ "$m" = "$prev" ] && { echo "$m"; return 0; }
    prev=$m
    sleep 2
  done
  return 1
}
ping_ok() { [ "$(cli "$1" ping 2>/dev/null)" = PONG ]; }
# follow_master MASTER [SKIP]: every node but MASTER (and SKIP, a dead one) replicates from MASTER.
follow_master() {
  local p
  for p in "$PM" "$PR1" "$PR2"; do
    [[ " $* " = *" $p "* ]] || wait_for 30 "$p to follow $1" linked_to "$p" "$1" || return 1
  done
}

start_redis() { # name port [master-port]
  local dir="$RUN/$1"; mkdir -p "$dir"
  { echo "port $2"; echo "bind 127.0.0.1"; echo "save \"\""; echo "appendonly no"; echo "dir $dir"
    echo "logfile $dir/redis.log"; [ -n "${3:-}" ] && echo "replicaof 127.0.0.1 $3"; } > "$dir/redis.conf"
  redis-server "$dir/redis.conf" & PIDS+=("$!"); eval "PID_$1=$!"
}
start_sentinel() { # name port master-port
  local dir="$RUN/$1"; mkdir -p "$dir"
  cat > "$dir/sentinel.conf" <<CONF
port $2
bind 127.0.0.1
dir $dir
logfile $dir/sentinel.log
sentinel monitor mymaster 127.0.0.1 $3 2
sentinel down-after-milliseconds mymaster 1000
sentinel failover-timeout mymaster 5000
sentinel parallel-syncs mymaster 1
CONF
  redis-sentinel "$dir/sentinel.conf" & PIDS+=("$!")
}

# start_topology PROXY FAULT RUN-NUMBER SENTINELS(yes|no) [read]: a fresh run directory and ports;
# a master and 2 replicas in sync, and with yes 3 Sentinels that see them and each other. With
# read, the proxy gets a read port (PRD) too.
start_topology() {
  RUN="$WORK/$1-$2"; [ "$3" = 1 ] || RUN="$RUN-$3"; mkdir -p "$RUN"
  PM=$(free_port); PR1=$(free_port); PR2=$(free_port); PW=$(free_port); PRD=""
  [ "${5:-}" = read ] && PRD=$(free_port)
  start_redis m "$PM"; wait_for 10 "master" ping_ok "$PM"
  start_redis r1 "$PR1" "$PM"; start_redis r2 "$PR2" "$PM"
  wait_for 20 "replica 1 in sync" linked_to "$PR1" "$PM"
  wait_for 20 "replica 2 in sync" linked_to "$PR2" "$PM"
  SENT=()
  if [ "$4" = yes ]; then
    for i in 1 2 3; do SENT+=("$(free_port)"); start_sentinel "s$i" "${SENT[-1]}" "$PM"; done
    for s in "${SENT[@]}"; do wait_for 30 "Sentinel $s to see 2 replicas and 2 Sentinels" sentinel_ready "$s"; done
  fi
}

# HAProxy as README "What it replaces": redis-write (balance first, role:master check) and, with a
# read port, redis-read -> redis-online (roundrobin, PING check).
start_haproxy() {
  {
    cat <<CONF
global
  maxconn 2000
defaults
  mode tcp
  timeout connect 1s
  timeout client 60s
  timeout server 60s
CONF
    haproxy_frontend redis-write "$PW" redis-master first \
      'tcp-check send info\ replication\r\n' 'tcp-check expect string role:master'
    [ -z "$PRD" ] || haproxy_frontend redis-read "$PRD" redis-online roundrobin
  } > "$RUN/haproxy.cfg"
  haproxy -f "$RUN/haproxy.cfg" -db > "$RUN/haproxy.log" 2>&1 & PIDS+=("$!")
}
# haproxy_frontend NAME PORT BACKEND BALANCE [TCP-CHECK-LINE ...]: PING, the lines, QUIT.
haproxy_frontend() {
  local line
  cat <<CONF
frontend $1
  bind 127.0.0.1:$2
  default_backend $3
backend $3
  balance $4
  option tcp-check
  tcp-check connect
  tcp-check send PING\r\n
  tcp-check expect string +PONG
CONF
  for line in "${@:5}"; do echo "  $line"; done
  cat <<CONF
  tcp-check send QUIT\r\n
  tcp-check expect string +OK
  default-server check inter 1s rise 2 fall 3 on-marked-down shutdown-sessions
  server n1 127.0.0.1:$PM
  server n2 127.0.0.1:$PR1
  server n3 127.0.0.1:$PR2
CONF
}

# start_respproxy_service SERVICE-BODY: respproxy with one service "bench", one event loop.
start_respproxy_service() {
  cat > "$RUN/respproxy.conf" <<CONF
respproxy {
  services.bench {
$1
  }
  admin.listen = null
  event-loops = 1
}
CONF
  java -XX:+UseParallelGC -Xms256m -Xmx256m -Xlog:gc,safepoint:file="$RUN/gc.log":uptime,utctime -jar "$JAR" run -c "$RUN/respproxy.conf" > "$RUN/respproxy.log" 2>&1 &
  PIDS+=("$!")
}

# start_load PROXY FAULT SECONDS [WORKLOAD-OPTION ...]: starts the proxy, waits until it serves
# writes, starts 4 appending clients (CLIENT, STOPFILE) and gives them SECONDS before the fault.
start_load() {
  local proxy=$1 fault=$2 before=$3; shift 3
  "start_$proxy"
  wait_for 20 "$proxy to serve writes" bash -c "[ \"\$(redis-cli -h 127.0.0.1 -p $PW set warmup 1 2>/dev/null)\" = OK ]"
  STOPFILE="$RUN/stop"
  python3 bench/append_workload.py --port "$PW" --clients 4 --prefix "$fault:" --stop-file "$STOPFILE" \
    --label "$proxy $fault" --json "$RUN/result.json" "$@" & CLIENT=$!
  PIDS+=("$CLIENT") # stopped with the rest if the run fails before it
  sleep "$before"
}

# sentinel_failover OLD-MASTER: SENTINEL FAILOVER (again, for up to 60 s, while no replica
# qualifies yet), until the Sentinels agree on another master and every node follows it, the old
# master too (the Sentinels turn it into a replica ~10 s later; it then syncs in full). Prints the
# new master's port.
sentinel_failover() {
  local out deadline=$((SECONDS + 60))
  mark "SENTINEL FAILOVER (master $1)"
  until out=$(cli "${SENT[0]}" sentinel failover mymaster 2>&1) && [ "$out" = OK ]; do
    if [ $SECONDS -ge $deadline ]; then echo "failover bench: SENTINEL FAILOVER: $out" >&2; return 1; fi
    sleep 0.1
  done
  mark "SENTINEL FAILOVER accepted"
  wait_for 30 "the Sentinels to agree on a new master" new_master_agreed "$1" || return 1
  local final; final=$(sentinel_master_port "${SENT[0]}") || return 1
  mark "the Sentinels agree on $final"
  follow_master "$final" || return 1
  mark "every node follows $final"
  echo "$final"
}

# mark WHAT: notes the time (UTC, as the logs) of a step of the fault in $RUN/events.
mark() { echo "$(date -u +%T.%3NZ) $*" >> "$RUN/events"; }

# The faults both benches inject.
fault_failover() { sentinel_failover "$PM" >/dev/null; }
fault_kill() { # kill -9 of the master; the Sentinels promote a replica
  mark "kill -9 of the master $PM"
  kill -9 "$PID_m"; wait "$PID_m" 2>/dev/null || true
  wait_for 30 "the Sentinels to agree on a new master" new_master_agreed "$PM"
  follow_master "$(sentinel_master_port "${SENT[0]}")" "$PM"
}

# finish_run PROXY FAULT [DEAD-PORT [SWITCHES]]: with Sentinels, waits for the master they settle on
# and for every node but DEAD-PORT to follow it, and notes more than SWITCHES (1) +switch-master;
# without, waits 2 s and takes FINAL. Then the clients stop and check their appends on that master.
finish_run() {
  local final=${FINAL:-} switches=${4:-1}
  if [ ${#SENT[@]} -gt 0 ]; then
    final=$(settled_master)
    follow_master "$final" ${3:+"$3"}
    if [ "$(grep -c '+switch-master' "$RUN/s1/sentinel.log")" -gt "$switches" ]; then
      local times="more than once"; [ "$switches" = 1 ] || times="more than $switches times"
      echo "note: the Sentinels failed over $times in the next run ($1 $2); appends checked on the last master" >&2
    fi
  else
    sleep 2
  fi
  echo "$final" > "$STOPFILE"
  wait "$CLIENT" || true
  stop_all
}

# cpu_busy SECONDS: how busy the machine's CPUs are (percent, all cores) over SECONDS.
cpu_busy() {
  python3 -c 'import sys, time
def sample():
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(f), f[3] + f[4]
t0, i0 = sample(); time.sleep(float(sys.argv[1])); t1, i1 = sample()
print(round(100 - 100 * (i1 - i0) / max(1, t1 - t0)))' "$1"
}
# wait_quiet: before a run, waits (up to an hour) until the CPUs have been at least 80% idle over
# 10 s: a build or test run beside the bench would distort every figure. QUIET=no skips it.
wait_quiet() {
  [ "${QUIET:-yes}" = yes ] || return 0
  local busy deadline=$((SECONDS + 3600)) noted=no
  while busy=$(cpu_busy 10) && [ "$busy" -gt 20 ] && [ $SECONDS -lt $deadline ]; do
    [ $noted = yes ] || echo "note: the CPUs are ${busy}% busy with something else; waiting for quiet (QUIET=no skips this)" >&2
    noted=yes
  done
  [ $noted = no ] || echo "note: quiet again (${busy}% busy over 10 s), going on" >&2
}

# cpu_ticks: the CPUs' busy ticks (user, nice, system, irq, softirq: loopback traffic is softirq
# time, counted with the processes' own), all their ticks, and the ticks of this shell and of its
# children it has reaped (every process a run starts is reaped by its end).
cpu_ticks() {
  local c; read -r -a c < /proc/stat
  echo "$((c[1] + c[2] + c[3] + c[6] + c[7])) $((c[1] + c[2] + c[3] + c[4] + c[5] + c[6] + c[7] + c[8]))" \
    "$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)"
}
# foreign_percent TICKS-BEFORE: how much of the CPUs processes the bench did not start used since.
foreign_percent() {
  local b0 t0 o0 b1 t1 o1
  read -r b0 t0 o0 <<< "$1"; read -r b1 t1 o1 <<< "$(cpu_ticks)"
  echo $(( (100 * ((b1 - b0) - (o1 - o0))) / (t1 - t0 > 0 ? t1 - t0 : 1) ))
}

# failover_bench TITLE: every fault, RUNS times, each proxy in turn; with more than one run a
# summary (median and range) per fault and proxy. A run during which other processes used more
# than 10% of the CPUs (a build, a test run) is run again, up to twice (FOREIGN_MAX=100: never).
failover_bench() {
  echo "$1 ($(date -u +%F), $(redis-server --version | grep -o 'v=[0-9.]*'))"
  local f p r attempt ticks foreign results=()
  for f in "${FAULTS[@]}"; do
    for r in $(seq 1 "$RUNS"); do
      for p in "${PROXIES[@]}"; do
        for attempt in 1 2 3; do
          wait_quiet
          ticks=$(cpu_ticks)
          if [ "$attempt" = 1 ]; then run "$p" "$f" "$r"; else run "$p" "$f" "$r-again$attempt"; fi
          foreign=$(foreign_percent "$ticks")
          echo "$foreign% of the CPUs used by other processes during the run" >> "$RUN/events"
          [ "$foreign" -gt "${FOREIGN_MAX:-10}" ] || break
          if [ "$attempt" = 3 ]; then
            echo "note: other processes used $foreign% of the CPUs during the run above (third try: it counts)" >&2
          else
            echo "note: other processes used $foreign% of the CPUs during the run above: it does not count, again" >&2
          fi
        done
        [ ! -f "$RUN/result.json" ] || results+=("$RUN/result.json")
      done
    done
  done
  [ "$RUNS" = 1 ] || [ ${#results[@]} = 0 ] || python3 bench/lib/failover_summary.py "${results[@]}"
}
