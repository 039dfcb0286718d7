#!/usr/bin/env bash
# respproxy benchmark: redis-benchmark direct vs through the proxy, measured the way the peers
# (Predixy, HAProxy, Twemproxy, Camellia) were measured on a 2-core machine:
#   - redis-server and the proxy pinned to CPU 0, redis-benchmark pinned to CPU 1, loopback;
#   - -k 1 -r 100000 -d 64; a warm-up first; runs interleaved direct / proxy / direct;
#   - ratio = proxy ops/s / mean(direct ops/s before, direct ops/s after);
#   - C1: -c 50 -P 1 SET and GET;  C2: -c 50 -P 16 SET and GET;  C3: -c 1 -P 1 GET (latency);
#   - CPU microseconds per operation of the proxy and of redis-server (from /proc/PID/stat).
# Peers: when haproxy (TCP mode, the tcp-check set-up respproxy replaces) and/or nutcracker
# (Twemproxy) are on the PATH (apt-get install haproxy nutcracker), they are measured the same
# way, one event loop / thread each, pinned with Redis to CPU 0.
# Usage: bench/run.sh [--quick]    (needs redis-server, redis-benchmark, taskset; builds the jar if missing)
# Everything it starts listens on 127.0.0.1 and is stopped by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=no
[ "${1:-}" = "--quick" ] && QUICK=yes
JAR=proxy/target/respproxy.jar
[ -f "$JAR" ] || ./mvnw -q -DskipTests package
for tool in redis-server redis-benchmark redis-cli taskset; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/respproxy-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
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
}
CONF
# One event loop: the proxy shares CPU 0 with Redis, as the peers did.
taskset -c 0 java -XX:+UseParallelGC -Xms256m -Xmx256m -XX:ActiveProcessorCount=1 \
  -jar "$JAR" run -c "$WORK/bench.conf" > "$WORK/proxy.log" 2>&1 &
PROXY_PID=$!
PIDS+=("$PROXY_PID")

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
  PIDS+=("$!"); HAPROXY_PID=$!
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
  PIDS+=("$!"); TWEM_PID=$!
  PEERS+=("twemproxy:$TWEM_PORT:$TWEM_PID")
fi

for i in $(seq 1 100); do
  if redis-cli -p "$PROXY_WRITE" ping 2>/dev/null | grep -q PONG && redis-cli -p "$PROXY_WRITE" set k v 2>/dev/null | grep -q OK; then break; fi
  sleep 0.2
done
redis-cli -p "$PROXY_WRITE" set k v | grep -q OK || { echo "bench: proxy did not come up"; cat "$WORK/proxy.log"; exit 1; }

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }

# run PORT CLIENTS PIPELINE TEST N [PROXY_PID] -> prints "rps avg_ms redis_us_per_op proxy_us_per_op"
run() {
  local port=$1 c=$2 p=$3 t=$4 n=$5 ppid=${6:-$PROXY_PID}
  local r0 x0 r1 x1 out
  r0=$(cpu_ticks "$REDIS_PID"); x0=$(cpu_ticks "$ppid")
  out=$(taskset -c 1 redis-benchmark -h 127.0.0.1 -p "$port" -c "$c" -P "$p" -t "$t" -n "$n" \
        -k 1 -r 100000 -d 64 --csv 2>/dev/null | grep -v '^"test"' | head -1)
  r1=$(cpu_ticks "$REDIS_PID"); x1=$(cpu_ticks "$ppid")
  # csv: "test","rps","avg_latency_ms",...
  local rps avg
  rps=$(echo "$out" | cut -d, -f2 | tr -d '"')
  avg=$(echo "$out" | cut -d, -f3 | tr -d '"')
  awk -v rps="$rps" -v avg="$avg" -v n="$n" -v rd=$((r1-r0)) -v xd=$((x1-x0)) -v hz="$CLK_TCK" \
    'BEGIN { printf "%s %s %.2f %.2f\n", rps, avg, rd/hz*1e6/n, xd/hz*1e6/n }'
}

if [ "$QUICK" = yes ]; then N1=100000; N2=1000000; N3=30000; else N1=500000; N2=3000000; N3=100000; fi

echo "warm-up..."
run "$PROXY_WRITE" 50 16 set "$N2" >/dev/null
run "$PROXY_WRITE" 50 16 get "$N2" >/dev/null
run "$PROXY_WRITE" 50 1 set "$N1" >/dev/null
run "$REDIS_PORT" 50 1 set "$N1" >/dev/null

echo
echo "redis-server $(redis-server --version | grep -o 'v=[^ ]*'), proxy pinned with Redis to CPU 0, redis-benchmark on CPU 1"
printf '%-12s %12s %12s %12s %7s %10s %10s %14s %14s\n' config direct1 proxy direct2 ratio avg_ms_dir avg_ms_prx redis_us/op prx+redis_us/op
bench_row() {
  local name=$1 c=$2 p=$3 t=$4 n=$5 port=${6:-$PROXY_WRITE} pid=${7:-$PROXY_PID}
  read -r d1 dl1 dr1 _ < <(run "$REDIS_PORT" "$c" "$p" "$t" "$n")
  read -r pr pl prr prx < <(run "$port" "$c" "$p" "$t" "$n" "$pid")
  read -r d2 dl2 dr2 _ < <(run "$REDIS_PORT" "$c" "$p" "$t" "$n")
  awk -v name="$name" -v d1="$d1" -v pr="$pr" -v d2="$d2" -v dl1="$dl1" -v dl2="$dl2" -v pl="$pl" \
      -v dr1="$dr1" -v dr2="$dr2" -v prr="$prr" -v prx="$prx" 'BEGIN {
    printf "%-12s %12.0f %12.0f %12.0f %6.2fx %10.3f %10.3f %14.2f %7.2f+%.2f\n",
      name, d1, pr, d2, pr/((d1+d2)/2), (dl1+dl2)/2, pl, (dr1+dr2)/2, prx, prr }'
}
bench_all() {
  local label=$1 port=$2 pid=$3
  echo "--- $label"
  bench_row "C1 SET" 50 1 set "$N1" "$port" "$pid"
  bench_row "C1 GET" 50 1 get "$N1" "$port" "$pid"
  bench_row "C2 SET" 50 16 set "$N2" "$port" "$pid"
  bench_row "C2 GET" 50 16 get "$N2" "$port" "$pid"
  bench_row "C3 GET" 1 1 get "$N3" "$port" "$pid"
}
bench_all respproxy "$PROXY_WRITE" "$PROXY_PID"
for peer in "${PEERS[@]}"; do
  IFS=: read -r pname pport ppid <<< "$peer"
  run "$pport" 50 16 get "$N2" "$ppid" >/dev/null   # warm-up
  bench_all "$pname" "$pport" "$ppid"
done
echo
echo "ratio: proxy ops/s over the mean of the direct runs before and after it."
echo "C3 latency overhead = avg_ms_prx - avg_ms_dir. us/op: CPU time per request (user+sys)."
echo "prx+redis_us/op: the proxy's CPU, then Redis's own CPU while serving through the proxy."
