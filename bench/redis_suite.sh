#!/usr/bin/env bash
# Redis 7.0.15's own Tcl test suite through respproxy's write port, in one of the three modes:
#   static    one fresh redis-server, the proxy in static mode in front of it;
#   sentinel  a master, one replica and 3 Sentinels (down-after 30 s, Sentinel's default), the
#             proxy in Sentinel mode;
#   cluster   a Redis Cluster of 3 masters (no replicas), the proxy in cluster mode, and the
#             suite's --cluster-mode tag profile (tests that need several databases are skipped).
# The proxy has deny-commands = [SHUTDOWN] (the suite would stop the server behind it) and
# otherwise the defaults. Everything listens on 127.0.0.1, on fresh ports, and is stopped by PID.
#
# Usage: bench/redis_suite.sh [--mode static|sentinel|cluster] [OUTDIR]
#   env UNITS="unit/type/list unit/multi" runs only those units; UNIT_TIMEOUT (s) as run-suite.sh.
#   env REDIS_SUITE: the runner, default ../shared/redis-suite/run-suite.sh beside the repository.
#   env JAR: the proxy's jar (default proxy/target/respproxy.jar; built when missing).
#   env PROXY_CONF: more lines for the proxy's config, at its top level (e.g. "event-loops = 1").
# Runs the runner once per unit; between units, a node left busy by a script that a failed test
# never killed gets SCRIPT KILL / FUNCTION KILL (said in the output), as the suite's own harness
# would start a fresh server.
# Output: run-suite.sh's per-unit counts and the total, then the tests that pass against Redis alone
# (its baseline-ok-direct.txt, or baseline-ok-cluster-mode.txt for cluster) but not through the
# proxy, one per line as "unit<TAB>test" (also in OUTDIR/differs.txt). Needs tclsh (apt-get
# install tcl), redis-server, redis-sentinel, redis-cli, python3. Takes 10-20 minutes per mode.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=static
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --mode) MODE=$2; shift 2 ;;
    -*) echo "usage: bench/redis_suite.sh [--mode static|sentinel|cluster] [OUTDIR]" >&2; exit 2 ;;
    *) OUT=$1; shift ;;
  esac
done
case "$MODE" in static|sentinel|cluster) ;; *) echo "redis_suite: --mode is static, sentinel or cluster" >&2; exit 2 ;; esac
RUNNER=${REDIS_SUITE:-$(cd .. && pwd)/shared/redis-suite/run-suite.sh}
[ -x "$RUNNER" ] || { echo "redis_suite: $RUNNER not found (set REDIS_SUITE)" >&2; exit 2; }
for tool in tclsh redis-server redis-cli python3 java; do
  command -v "$tool" >/dev/null || { echo "redis_suite: $tool not found" >&2; exit 2; }
done
JAR=${JAR:-proxy/target/respproxy.jar}
[ -f "$JAR" ] || ./mvnw -q -B -DskipTests package
OUT=${OUT:-$(mktemp -d /tmp/respproxy-suite-$MODE.XXXXXX)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d /tmp/respproxy-suite-work.XXXXXX)
PIDS=()
cleanup() {
  local p i
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  # A redis-server busy with a script does not act on SIGTERM: after 5 s, SIGKILL what is left.
  for i in $(seq 50); do
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && break; done
    kill -0 "$p" 2>/dev/null || break
    sleep 0.1
  done
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# A cluster node's bus listens 10000 above its port: Redis refuses ports above 55535.
free_cluster_port() { local p; p=$(free_port); while [ "$p" -gt 55535 ]; do p=$(free_port); done; echo "$p"; }
cli() { redis-cli -h 127.0.0.1 -p "$@"; }
wait_for() { # SECONDS WHAT COMMAND...
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { echo "redis_suite: timed out waiting for $what" >&2; exit 1; }
    sleep 0.2
  done
}
ping_ok() { [ "$(cli "$1" ping 2>/dev/null)" = PONG ]; }
start_redis() { # NAME PORT [EXTRA redis.conf LINES...]
  local dir="$WORK/$1" port=$2; shift 2
  mkdir -p "$dir"
  { echo "port $port"; echo "bind 127.0.0.1"; echo 'save ""'; echo "appendonly no"; echo "dir $dir"
    echo "logfile $dir/redis.log"; printf '%s\n' "$@"; } > "$dir/redis.conf"
  redis-server "$dir/redis.conf" & PIDS+=("$!")
  wait_for 10 "redis-server on $port" ping_ok "$port"
}

TAGS="-needs:repl -needs:debug -needs:pfdebug -needs:config-maxmemory -needs:config-resetstat -needs:reset -needs:save"
SUITE_ARGS=(--tags "$TAGS")
BASELINE=$(dirname "$RUNNER")/baseline-ok-direct.txt
case "$MODE" in
  static)
    P=$(free_port); start_redis r "$P"
    DATA_PORTS=$P
    TOPOLOGY="mode = static
    static.servers = [\"127.0.0.1:$P\"]" ;;
  sentinel)
    PM=$(free_port); PR=$(free_port)
    start_redis m "$PM"; start_redis r "$PR" "replicaof 127.0.0.1 $PM"
    DATA_PORTS="$PM $PR"
    wait_for 30 "the replica in sync" sh -c "redis-cli -p $PR info replication | grep -q 'master_link_status:up'"
    SENT=()
    for i in 1 2 3; do
      S=$(free_port); SENT+=("\"127.0.0.1:$S\""); mkdir -p "$WORK/s$i"
      printf '%s\n' "port $S" "bind 127.0.0.1" "dir $WORK/s$i" "logfile $WORK/s$i/sentinel.log" \
        "sentinel monitor mymaster 127.0.0.1 $PM 2" "sentinel down-after-milliseconds mymaster 30000" \
        > "$WORK/s$i/sentinel.conf"
      redis-sentinel "$WORK/s$i/sentinel.conf" & PIDS+=("$!")
      wait_for 10 "Sentinel on $S" ping_ok "$S"
    done
    TOPOLOGY="mode = sentinel
    sentinel { master-name = mymaster, nodes = [$(IFS=,; echo "${SENT[*]}")] }" ;;
  cluster)
    NODES=()
    for i in 1 2 3; do
      P=$(free_cluster_port); start_redis "c$i" "$P" "cluster-enabled yes" "cluster-config-file $WORK/c$i/nodes.conf"
      NODES+=("127.0.0.1:$P")
    done
    DATA_PORTS="${NODES[*]##*:}"
    redis-cli --cluster create "${NODES[@]}" --cluster-replicas 0 --cluster-yes > "$WORK/create.log"
    wait_for 30 "the cluster to be ok" sh -c "redis-cli -p ${NODES[0]##*:} cluster info | grep -q 'cluster_state:ok'"
    TOPOLOGY="mode = cluster
    cluster.seeds = [$(printf '"%s",' "${NODES[@]}" | sed 's/,$//')]"
    SUITE_ARGS+=(--cluster-mode)
    BASELINE=$(dirname "$RUNNER")/baseline-ok-cluster-mode.txt ;;
esac

PW=$(free_port)
cat > "$WORK/respproxy.conf" <<CONF
respproxy {
  services.suite {
    $TOPOLOGY
    listen.write = "127.0.0.1:$PW"
    deny-commands = [SHUTDOWN]
  }
  admin.listen = ""
  ${PROXY_CONF:-}
}
CONF
java -jar "$JAR" run -c "$WORK/respproxy.conf" > "$OUT/respproxy.log" 2>&1 & PIDS+=("$!")
wait_for 30 "respproxy on $PW" ping_ok "$PW"
if [ "$MODE" = cluster ]; then
  wait_for 30 "respproxy to see every slot" sh -c "redis-cli -p $PW cluster info | grep -q 'cluster_state:ok'"
fi

echo "respproxy ($MODE mode) on 127.0.0.1:$PW; suite output in $OUT"
# One runner call per unit, so that between units a script a failed test left running forever
# (its SCRIPT KILL was in the part that did not run) is killed on the nodes: the suite's own
# harness starts a fresh server per unit, which external mode does not, and one such script
# otherwise fails every later unit with -BUSY (seen in cluster mode: "EXEC and script timeout").
ALL_UNITS=$(sed -n '/^UNITS=\${UNITS:-"/,/"}$/p' "$RUNNER" | sed -e 's/^UNITS=\${UNITS:-"//' -e 's/"}$//')
unbusy() {
  local p
  for p in $DATA_PORTS; do
    if cli "$p" ping 2>&1 | grep -q BUSY; then
      cli "$p" script kill > /dev/null 2>&1; cli "$p" function kill > /dev/null 2>&1
      echo "redis_suite: 127.0.0.1:$p was left busy by a script after that unit: killed it"
    fi
  done
}
: > "$OUT/summary.txt"; : > "$OUT/ok.txt"; : > "$OUT/err.txt"
for u in ${UNITS:-$ALL_UNITS}; do
  d="$OUT/units/$(echo "$u" | tr / _)"
  UNITS="$u" "$RUNNER" 127.0.0.1 "$PW" "$d" "${SUITE_ARGS[@]}" | grep -v '^TOTAL\|^distinct' | tee -a "$OUT/summary.txt"
  cat "$d/ok.txt" >> "$OUT/ok.txt"; cat "$d/err.txt" >> "$OUT/err.txt"
  mv "$d"/*.log "$OUT/" 2> /dev/null || true
  unbusy | tee -a "$OUT/summary.txt"
done
rm -rf "$OUT/units"
echo "TOTAL ok=$(wc -l < "$OUT/ok.txt") err=$(wc -l < "$OUT/err.txt") (against Redis alone: $(wc -l < "$BASELINE"))" \
  | tee -a "$OUT/summary.txt"
comm -23 <(sort -u "$BASELINE") <(sort -u "$OUT/ok.txt") > "$OUT/differs.txt" || true
echo "passing against Redis alone ($(basename "$BASELINE"): $(wc -l < "$BASELINE")), not through respproxy ($MODE): $(wc -l < "$OUT/differs.txt") distinct names"
cat "$OUT/differs.txt"
