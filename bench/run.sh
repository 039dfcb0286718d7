#!/usr/bin/env bash
# respproxy benchmark: redis-benchmark direct vs through the proxy, measured the way the peers
# (Predixy, HAProxy, Twemproxy, Camellia) were measured on a 2-core machine:
#   - redis-server and the proxy pinned to CPU 0, redis-benchmark pinned to CPU 1, loopback;
#   - -k 1 -r 100000 -d 64; a warm-up first; runs interleaved direct / proxy / direct;
#   - ratio = proxy ops/s / mean(direct ops/s before, direct ops/s after);
#   - C1: -c 50 -P 1 SET and GET;  C2: -c 50 -P 16 SET and GET;  C3: -c 1 -P 1 GET (latency);
#     C4: -c 1000 -P 1 SET and GET (many connections: where multiplexing should win);
#   - CPU microseconds per operation of the proxy (user+system) and of redis-server (from
#     /proc/PID/stat).
# The proxy runs with the JVM options the Debian package ships (JAVA_OPTS and the direct-memory
# size of packaging/deb/src/deb/etc/default/respproxy, as its launcher computes it): what is
# measured is what ships.
# Peers: when haproxy (TCP mode, the tcp-check set-up respproxy replaces) and/or nutcracker
# (Twemproxy) are on the PATH (apt-get install haproxy nutcracker), and Predixy when given
# (--predixy PATH or PREDIXY=PATH; ../shared/peers/build-predixy.sh builds it), they are measured
# the same way, one event loop / worker thread each, pinned with Redis to CPU 0.
# Cluster: then a Redis Cluster of 3 masters (no replicas) on loopback, all pinned to CPU 0 with
# a second respproxy (mode = cluster, one event loop) in front of it, and Predixy's cluster pool
# when given; rows C1, C2 and C4.
# direct = `redis-benchmark --cluster` at the masters (each client keeps to one master, keys
# key:{tag}:N with one hash tag per master), proxy = plain redis-benchmark at the proxy's write
# port (keys key:N over every slot; the proxy splits each pipeline by node). redis_us/op is the
# CPU of the 3 masters summed. The static Redis, proxy and peers are stopped before it starts.
# Replicated: a master and one replica on loopback (both on CPU 0), a respproxy in front of the
# pair with each writes.acknowledge policy: async (the default) and replicated (min-replicas 1:
# a write's OK waits for the replica); rows C1 and C2 SET and GET; redis_us/op sums both servers.
# Output: a header line, then one table; each section starts "--- NAME" and has one row per
# config: config, ops/s of direct1 proxy direct2, ratio, mean direct / proxy avg latency (ms),
# mean direct redis_us/op, the proxy's us/op as user+system, Redis's us/op while serving
# through the proxy.
# Sections: respproxy, each peer found, "async, one replica", "replicated, one replica",
# "respproxy cluster (3 masters)", "predixy cluster".
# Usage: [JAR=path/to/respproxy.jar] [PREDIXY=path] [PROXY_CONF='key = value']
#        bench/run.sh [--quick] [--cluster-only | --replicated-only] [--predixy PATH]
#   PROXY_CONF: lines added inside the proxy's respproxy { } (daemon-wide keys, e.g. event-loops);
#   --quick: fewer requests per run (a check that it works, not figures to publish);
#   --cluster-only: the cluster section alone; --replicated-only: the two replicated sections alone.
# Needs redis-server, redis-benchmark, redis-cli, taskset, python3; builds the jar if missing.
# Everything it starts listens on 127.0.0.1 and is stopped by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=no
CLUSTER_ONLY=no
REPLICATED_ONLY=no
PREDIXY=${PREDIXY:-}
usage() { echo "usage: bench/run.sh [--quick] [--cluster-only | --replicated-only] [--predixy PATH]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=yes ;;
    --cluster-only) CLUSTER_ONLY=yes ;;
    --replicated-only) REPLICATED_ONLY=yes ;;
    --predixy) [ $# -ge 2 ] || usage; PREDIXY=$2; shift ;;
    *) usage ;;
  esac
  shift
done
if [ -n "$PREDIXY" ] && [ ! -x "$PREDIXY" ]; then
  echo "bench: predixy '$PREDIXY' is not an executable (../shared/peers/build-predixy.sh builds one)" >&2
  exit 1
fi
JAR=${JAR:-proxy/target/respproxy.jar}  # JAR=... measures another build (e.g. the commit before a change)
[ -f "$JAR" ] || ./mvnw -q -DskipTests package
for tool in redis-server redis-benchmark redis-cli taskset python3; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found" >&2; exit 1; }
done

# C4 opens 1,000 connections to each server at once.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

WORK=$(mktemp -d /tmp/respproxy-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
# stop_pids PID...: stop these now (and forget them, so the exit trap does not signal a reused PID).
stop_pids() {
  local p q keep=()
  for p in "$@"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  for q in "${PIDS[@]}"; do
    for p in "$@"; do [ "$q" = "$p" ] && continue 2; done
    keep+=("$q")
  done
  PIDS=("${keep[@]}")
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# A port P with P+10000 (its cluster bus port) free too.
free_cluster_port() {
  python3 -c '
import random, socket
for _ in range(1000):
    p = random.randint(20000, 55000)
    ss = []
    try:
        for q in (p, p + 10000):
            s = socket.socket(); ss.append(s); s.bind(("127.0.0.1", q))
    except OSError:
        continue
    finally:
        for s in ss: s.close()
    print(p); break
else:
    raise SystemExit("no free port pair")'
}

# The JVM options the package ships: /etc/default/respproxy's JAVA_OPTS, and the direct-memory
# size its launcher derives from RESPPROXY_MAX_MEMORY_CLIENTS (a size in mb or gb there).
SHIPPED_DEFAULTS=packaging/deb/src/deb/etc/default/respproxy
SHIPPED_JAVA_OPTS=$(
  set -a
  # shellcheck disable=SC1090
  . "$SHIPPED_DEFAULTS"
  budget=${RESPPROXY_MAX_MEMORY_CLIENTS:-1gb}
  case "$budget" in
    *gb) budget=$(( ${budget%gb} * 1073741824 )) ;;
    *mb) budget=$(( ${budget%mb} * 1048576 )) ;;
    *) echo "bench: RESPPROXY_MAX_MEMORY_CLIENTS=$budget in $SHIPPED_DEFAULTS: expected mb or gb" >&2; exit 1 ;;
  esac
  echo "$JAVA_OPTS -XX:MaxDirectMemorySize=$((budget + budget / 2))"
)
# start_proxy CONF LOG: the proxy on CPU 0, one event loop (it shares CPU 0 with Redis, as the
# peers did); its PID in $! as for any background job.
start_proxy() {
  # shellcheck disable=SC2086 # several options
  taskset -c 0 java $SHIPPED_JAVA_OPTS -jar "$JAR" run -c "$1" > "$2" 2>&1 &
}
# predixy_conf PORT LOG POOL: a Predixy configuration, one worker thread, listening on PORT,
# POOL its server pool block.
predixy_conf() {
  cat <<CONF
Name bench
Bind 127.0.0.1:$1
WorkerThreads 1
ClientTimeout 0
Log $2
LogVerbSample 0
LogDebugSample 0
LogInfoSample 0
LogNoticeSample 0
LogWarnSample 1
LogErrorSample 1
Authority {
    Auth {
        Mode write
    }
}
$3
CONF
}
# wait_proxy PORT LOG: until the proxy answers PING and SET.
wait_proxy() {
  local i
  for i in $(seq 1 100); do
    if redis-cli -p "$1" ping 2>/dev/null | grep -q PONG && redis-cli -p "$1" set k v 2>/dev/null | grep -q OK; then break; fi
    sleep 0.2
  done
  redis-cli -p "$1" set k v | grep -q OK || { echo "bench: proxy did not come up"; cat "$2"; exit 1; }
}

CLK_TCK=$(getconf CLK_TCK)
# cpu_ticks PID...: user+sys ticks, summed over the PIDs.
cpu_ticks() { local p t=0; for p in "$@"; do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo "$t"; }
# user_ticks PID: user ticks alone.
user_ticks() { awk '{print $14}' "/proc/$1/stat"; }

# run TARGET CLIENTS PIPELINE TEST N PROXY_PID "REDIS_PID..."
#   -> prints "rps avg_ms redis_us_per_op proxy_us_per_op proxy_user_us_per_op"
# TARGET: redis-benchmark's address arguments after -h 127.0.0.1 ("-p PORT", "--cluster -p PORT").
# redis_us_per_op: the CPU of every REDIS_PID summed.
run() {
  local target=$1 c=$2 p=$3 t=$4 n=$5 ppid=$6 rpids=$7
  local r0 x0 u0 r1 x1 u1 out
  # shellcheck disable=SC2086 # target and rpids are word lists
  r0=$(cpu_ticks $rpids); x0=$(cpu_ticks "$ppid"); u0=$(user_ticks "$ppid")
  # shellcheck disable=SC2086
  out=$(taskset -c 1 redis-benchmark -h 127.0.0.1 $target -c "$c" -P "$p" -t "$t" -n "$n" \
        -k 1 -r 100000 -d 64 --csv 2>"$WORK/redis-benchmark.err" | grep '^"' | grep -v '^"test"' | head -1) || true
  # shellcheck disable=SC2086
  r1=$(cpu_ticks $rpids); x1=$(cpu_ticks "$ppid"); u1=$(user_ticks "$ppid")
  if [ -z "$out" ]; then
    echo "bench: no result from redis-benchmark $target -t $t:" >&2; cat "$WORK/redis-benchmark.err" >&2
    return 1
  fi
  # csv: "test","rps","avg_latency_ms",... (with --cluster, after a "Cluster has N master nodes" preamble)
  local rps avg
  rps=$(echo "$out" | cut -d, -f2 | tr -d '"')
  avg=$(echo "$out" | cut -d, -f3 | tr -d '"')
  awk -v rps="$rps" -v avg="$avg" -v n="$n" -v rd=$((r1-r0)) -v xd=$((x1-x0)) -v ud=$((u1-u0)) -v hz="$CLK_TCK" \
    'BEGIN { printf "%s %s %.2f %.2f %.2f\n", rps, avg, rd/hz*1e6/n, xd/hz*1e6/n, ud/hz*1e6/n }'
}

if [ "$QUICK" = yes ]; then N1=100000; N2=1000000; N3=30000; else N1=500000; N2=3000000; N3=100000; fi

# bench_row NAME CLIENTS PIPELINE TEST N DIRECT PROXY_PORT PROXY_PID "REDIS_PID..."
#   DIRECT: the direct runs' TARGET (see run).
bench_row() {
  local name=$1 c=$2 p=$3 t=$4 n=$5 direct=$6 port=$7 pid=$8 rpids=$9
  read -r d1 dl1 dr1 _ _ < <(run "$direct" "$c" "$p" "$t" "$n" "$pid" "$rpids")
  read -r pr pl prr prx pru < <(run "-p $port" "$c" "$p" "$t" "$n" "$pid" "$rpids")
  read -r d2 dl2 dr2 _ _ < <(run "$direct" "$c" "$p" "$t" "$n" "$pid" "$rpids")
  awk -v name="$name" -v d1="$d1" -v pr="$pr" -v d2="$d2" -v dl1="$dl1" -v dl2="$dl2" -v pl="$pl" \
      -v dr1="$dr1" -v dr2="$dr2" -v prr="$prr" -v prx="$prx" -v pru="$pru" 'BEGIN {
    printf "%-12s %12.0f %12.0f %12.0f %6.2fx %10.3f %10.3f %12.2f %6.2f=%.2f+%.2f %12.2f\n",
      name, d1, pr, d2, pr/((d1+d2)/2), (dl1+dl2)/2, pl, (dr1+dr2)/2, prx, pru, prx-pru, prr }'
}
# bench_c1c2 LABEL DIRECT PROXY_PORT PROXY_PID "REDIS_PID...": rows C1 and C2 only.
bench_c1c2() {
  local label=$1 direct=$2 port=$3 pid=$4 rpids=$5
  echo "--- $label"
  bench_row "C1 SET" 50 1 set "$N1" "$direct" "$port" "$pid" "$rpids"
  bench_row "C1 GET" 50 1 get "$N1" "$direct" "$port" "$pid" "$rpids"
  bench_row "C2 SET" 50 16 set "$N2" "$direct" "$port" "$pid" "$rpids"
  bench_row "C2 GET" 50 16 get "$N2" "$direct" "$port" "$pid" "$rpids"
}
# bench_all LABEL DIRECT PROXY_PORT PROXY_PID "REDIS_PID..." [C3=yes|no]
bench_all() {
  local label=$1 direct=$2 port=$3 pid=$4 rpids=$5 c3=${6:-yes}
  bench_c1c2 "$label" "$direct" "$port" "$pid" "$rpids"
  [ "$c3" = no ] || bench_row "C3 GET" 1 1 get "$N3" "$direct" "$port" "$pid" "$rpids"
  bench_row "C4 SET" 1000 1 set "$N1" "$direct" "$port" "$pid" "$rpids"
  bench_row "C4 GET" 1000 1 get "$N1" "$direct" "$port" "$pid" "$rpids"
}

table_header() {
  echo
  echo "redis-server $(redis-server --version | grep -o 'v=[^ ]*'), proxy pinned with Redis to CPU 0, redis-benchmark on CPU 1"
  printf '%-12s %12s %12s %12s %7s %10s %10s %12s %16s %12s\n' config direct1 proxy direct2 ratio \
    avg_ms_dir avg_ms_prx redis_us/op prx_us/op=usr+sys redis_us/op@p
}

if [ "$CLUSTER_ONLY" = no ] && [ "$REPLICATED_ONLY" = no ]; then
  REDIS_PORT=$(free_port)
  PROXY_READ=$(free_port)
  PROXY_WRITE=$(free_port)

  taskset -c 0 redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$WORK" --logfile "$WORK/redis.log" --daemonize no &
  REDIS_PID=$!
  PIDS+=("$REDIS_PID")

  cat > "$WORK/bench.conf" <<CONF
respproxy {
  services.bench {
    mode = static
    listen { read = "127.0.0.1:$PROXY_READ", write = "127.0.0.1:$PROXY_WRITE" }
    static.servers = ["127.0.0.1:$REDIS_PORT"]
    health.interval = 1s
  }
  admin.listen = null
  event-loops = 1
  log-level = WARN
  ${PROXY_CONF:-}
}
CONF
  start_proxy "$WORK/bench.conf" "$WORK/proxy.log"
  PROXY_PID=$!
  PIDS+=("$PROXY_PID")
  STATIC_PIDS=("$REDIS_PID" "$PROXY_PID")

  # Optional peers on the same Redis, same CPU.
  PEERS=()
  if command -v haproxy >/dev/null; then
    HAPROXY_PORT=$(free_port)
    cat > "$WORK/haproxy.cfg" <<CONF
global
  nbthread 1
defaults
  mode tcp
  timeout connect 5s
  timeout client 1m
  timeout server 1m
frontend redis
  bind 127.0.0.1:$HAPROXY_PORT
  default_backend redis
backend redis
  server r1 127.0.0.1:$REDIS_PORT
CONF
    taskset -c 0 haproxy -f "$WORK/haproxy.cfg" -db > "$WORK/haproxy.log" 2>&1 &
    PIDS+=("$!"); HAPROXY_PID=$!; STATIC_PIDS+=("$HAPROXY_PID")
    PEERS+=("haproxy:$HAPROXY_PORT:$HAPROXY_PID")
  fi
  if command -v nutcracker >/dev/null; then
    TWEM_PORT=$(free_port)
    cat > "$WORK/twemproxy.yml" <<CONF
bench:
  listen: 127.0.0.1:$TWEM_PORT
  redis: true
  hash: fnv1a_64
  distribution: ketama
  servers:
   - 127.0.0.1:$REDIS_PORT:1
CONF
    taskset -c 0 nutcracker -c "$WORK/twemproxy.yml" -s "$(free_port)" -o "$WORK/twemproxy.log" &
    PIDS+=("$!"); TWEM_PID=$!; STATIC_PIDS+=("$TWEM_PID")
    PEERS+=("twemproxy:$TWEM_PORT:$TWEM_PID")
  fi
  if [ -n "$PREDIXY" ]; then
    PREDIXY_PORT=$(free_port)
    predixy_conf "$PREDIXY_PORT" "$WORK/predixy.log" "StandaloneServerPool {
    Hash crc16
    Distribution modula
    MasterReadPriority 100
    RefreshMethod fixed
    Group g1 {
        + 127.0.0.1:$REDIS_PORT
    }
}" > "$WORK/predixy.conf"
    taskset -c 0 "$PREDIXY" "$WORK/predixy.conf" > "$WORK/predixy.out" 2>&1 &
    PIDS+=("$!"); PREDIXY_PID=$!; STATIC_PIDS+=("$PREDIXY_PID")
    PEERS+=("predixy:$PREDIXY_PORT:$PREDIXY_PID")
  fi

  wait_proxy "$PROXY_WRITE" "$WORK/proxy.log"

  echo "warm-up..."
  run "-p $PROXY_WRITE" 50 16 set "$N2" "$PROXY_PID" "$REDIS_PID" >/dev/null
  run "-p $PROXY_WRITE" 50 16 get "$N2" "$PROXY_PID" "$REDIS_PID" >/dev/null
  run "-p $PROXY_WRITE" 50 1 set "$N1" "$PROXY_PID" "$REDIS_PID" >/dev/null
  run "-p $REDIS_PORT" 50 1 set "$N1" "$PROXY_PID" "$REDIS_PID" >/dev/null

  table_header
  bench_all respproxy "-p $REDIS_PORT" "$PROXY_WRITE" "$PROXY_PID" "$REDIS_PID"
  for peer in "${PEERS[@]}"; do
    IFS=: read -r pname pport ppid <<< "$peer"
    run "-p $pport" 50 16 get "$N2" "$ppid" "$REDIS_PID" >/dev/null   # warm-up
    bench_all "$pname" "-p $REDIS_PORT" "$pport" "$ppid" "$REDIS_PID"
  done
  # CPU 0 to the cluster alone from here.
  stop_pids "${STATIC_PIDS[@]}"
fi


if [ "$CLUSTER_ONLY" = no ]; then
  # A master and one replica on CPU 0; a proxy per writes.acknowledge policy in front of the pair.
  RM_PORT=$(free_port)
  RR_PORT=$(free_port)
  taskset -c 0 redis-server --port "$RM_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$WORK" --dbfilename rm.rdb --logfile "$WORK/replicated-master.log" --daemonize no &
  RM_PID=$!; PIDS+=("$RM_PID")
  taskset -c 0 redis-server --port "$RR_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --replicaof 127.0.0.1 "$RM_PORT" --repl-diskless-load disabled \
    --dir "$WORK" --dbfilename rr.rdb --logfile "$WORK/replicated-replica.log" --daemonize no &
  RR_PID=$!; PIDS+=("$RR_PID")
  for _ in $(seq 1 100); do
    redis-cli -p "$RR_PORT" info replication 2>/dev/null | grep -q '^master_link_status:up' && break; sleep 0.1
  done
  redis-cli -p "$RR_PORT" info replication | grep -q '^master_link_status:up' \
    || { echo "bench: the replica did not sync"; exit 1; }
  REPL_PIDS=("$RM_PID" "$RR_PID")
  for policy in async replicated; do
    read_port=$(free_port); write_port=$(free_port)
    cat > "$WORK/$policy.conf" <<CONF
respproxy {
  services.bench {
    mode = static
    listen { read = "127.0.0.1:$read_port", write = "127.0.0.1:$write_port" }
    static.servers = ["127.0.0.1:$RM_PORT", "127.0.0.1:$RR_PORT"]
    health.interval = 1s
    writes.acknowledge = $policy
  }
  admin.listen = null
  event-loops = 1
  log-level = WARN
  ${PROXY_CONF:-}
}
CONF
    start_proxy "$WORK/$policy.conf" "$WORK/$policy-proxy.log"
    ppid=$!; PIDS+=("$ppid"); REPL_PIDS+=("$ppid")
    wait_proxy "$write_port" "$WORK/$policy-proxy.log"
    [ "$policy" = replicated ] || echo "warm-up..."
    run "-p $write_port" 50 16 set "$N2" "$ppid" "$RM_PID $RR_PID" >/dev/null
    run "-p $write_port" 50 1 set "$N1" "$ppid" "$RM_PID $RR_PID" >/dev/null
    [ "$policy" = replicated ] || [ "$REPLICATED_ONLY" = no ] || table_header
    redis-cli -p "$RM_PORT" config resetstat >/dev/null
    bench_c1c2 "$policy, one replica" "-p $RM_PORT" "$write_port" "$ppid" "$RM_PID $RR_PID"
    # How many WAITs the policy cost (one per flushed batch of writes per connection, not per write).
    redis-cli -p "$RM_PORT" info commandstats | tr -d '\r' | awk -F'[:=,]' -v label="$policy" '
      $1 == "cmdstat_wait" { wait = $3 } $1 == "cmdstat_set" { set = $3 }
      END { printf "(%s: the master ran %d SETs and %d WAITs during these rows)\n", label, set, wait }'
    stop_pids "$ppid"
  done
  stop_pids "${REPL_PIDS[@]}"
fi
[ "$REPLICATED_ONLY" = no ] || exit 0

# Redis Cluster: 3 masters, no replicas, on CPU 0; a cluster-mode respproxy in front of it.
CLUSTER_PORTS=()
CLUSTER_PIDS=()
for _ in 1 2 3; do
  port=$(free_cluster_port)
  mkdir -p "$WORK/cluster-$port"
  taskset -c 0 redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --cluster-enabled yes --cluster-config-file nodes.conf \
    --dir "$WORK/cluster-$port" --logfile "$WORK/cluster-$port/redis.log" --daemonize no &
  PIDS+=("$!"); CLUSTER_PIDS+=("$!"); CLUSTER_PORTS+=("$port")
done
for port in "${CLUSTER_PORTS[@]}"; do
  for _ in $(seq 1 50); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
done
redis-cli --cluster create "${CLUSTER_PORTS[@]/#/127.0.0.1:}" --cluster-yes > "$WORK/cluster-create.log" 2>&1 \
  || { echo "bench: redis-cli --cluster create failed"; cat "$WORK/cluster-create.log"; exit 1; }
cluster_ready() {
  local port info
  for port in "${CLUSTER_PORTS[@]}"; do
    info=$(redis-cli -p "$port" cluster info 2>/dev/null) || return 1
    grep -q '^cluster_state:ok' <<< "$info" && grep -q '^cluster_slots_ok:16384' <<< "$info" \
      && grep -q '^cluster_known_nodes:3' <<< "$info" || return 1
  done
}
for _ in $(seq 1 100); do cluster_ready && break; sleep 0.2; done
cluster_ready || { echo "bench: the cluster did not come up"; redis-cli -p "${CLUSTER_PORTS[0]}" cluster info; exit 1; }

CPROXY_READ=$(free_port)
CPROXY_WRITE=$(free_port)
SEEDS=$(printf '"127.0.0.1:%s", ' "${CLUSTER_PORTS[@]}")
cat > "$WORK/cluster.conf" <<CONF
respproxy {
  services.bench {
    mode = cluster
    listen { read = "127.0.0.1:$CPROXY_READ", write = "127.0.0.1:$CPROXY_WRITE" }
    cluster.seeds = [${SEEDS%, }]
    health.interval = 1s
  }
  admin.listen = null
  event-loops = 1
  log-level = WARN
  ${PROXY_CONF:-}
}
CONF
start_proxy "$WORK/cluster.conf" "$WORK/cluster-proxy.log"
CPROXY_PID=$!
PIDS+=("$CPROXY_PID")
wait_proxy "$CPROXY_WRITE" "$WORK/cluster-proxy.log"

CDIRECT="--cluster -p ${CLUSTER_PORTS[0]}"
CRPIDS="${CLUSTER_PIDS[*]}"
[ "$CLUSTER_ONLY" = no ] || echo "warm-up..."
# Warm-up (both key sets populated: the direct runs' key:{tag}:N and the proxy's key:N).
run "-p $CPROXY_WRITE" 50 16 set "$N2" "$CPROXY_PID" "$CRPIDS" >/dev/null
run "-p $CPROXY_WRITE" 50 16 get "$N2" "$CPROXY_PID" "$CRPIDS" >/dev/null
run "-p $CPROXY_WRITE" 50 1 set "$N1" "$CPROXY_PID" "$CRPIDS" >/dev/null
run "$CDIRECT" 50 16 set "$N2" "$CPROXY_PID" "$CRPIDS" >/dev/null
run "$CDIRECT" 50 1 set "$N1" "$CPROXY_PID" "$CRPIDS" >/dev/null

[ "$CLUSTER_ONLY" = no ] || table_header
bench_all "respproxy cluster (3 masters)" "$CDIRECT" "$CPROXY_WRITE" "$CPROXY_PID" "$CRPIDS" no

if [ -n "$PREDIXY" ]; then
  stop_pids "$CPROXY_PID"   # CPU 0 to Redis and Predixy alone, as it was to Redis and respproxy
  CPREDIXY_PORT=$(free_port)
  predixy_conf "$CPREDIXY_PORT" "$WORK/predixy-cluster.log" "ClusterServerPool {
    MasterReadPriority 100
    Servers {
$(printf '        + 127.0.0.1:%s\n' "${CLUSTER_PORTS[@]}")
    }
}" > "$WORK/predixy-cluster.conf"
  taskset -c 0 "$PREDIXY" "$WORK/predixy-cluster.conf" > "$WORK/predixy-cluster.out" 2>&1 &
  PIDS+=("$!"); CPREDIXY_PID=$!
  wait_proxy "$CPREDIXY_PORT" "$WORK/predixy-cluster.out"
  run "-p $CPREDIXY_PORT" 50 16 get "$N2" "$CPREDIXY_PID" "$CRPIDS" >/dev/null   # warm-up
  bench_all "predixy cluster (3 masters)" "$CDIRECT" "$CPREDIXY_PORT" "$CPREDIXY_PID" "$CRPIDS" no
fi

echo
echo "ratio: proxy ops/s over the mean of the direct runs before and after it."
[ "$CLUSTER_ONLY" = yes ] || echo "C3 latency overhead = avg_ms_prx - avg_ms_dir. us/op: CPU time per request (user+sys)."
[ "$CLUSTER_ONLY" = no ] || echo "us/op: CPU time per request (user+sys)."
echo "prx_us/op=usr+sys: the proxy's CPU, user and system; redis_us/op@p: Redis's own CPU while serving"
echo "through the proxy."
echo "cluster: direct = redis-benchmark --cluster at the masters, proxy = plain redis-benchmark at the"
echo "cluster-mode proxy; redis_us/op summed over the 3 masters."
