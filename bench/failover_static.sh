#!/usr/bin/env bash
# Static-mode failover: HAProxy (the tcp-check set-up respproxy replaces, see README "What it
# replaces") and respproxy (mode = static, health 1s/2/3, role checks every 100 ms) in front of a
# master and 2 replicas, under three faults, with 4 clients appending through the write port
# (bench/append_workload.py). For each: client errors, the longest stall, lost acknowledged
# appends. A fresh master/replicas (and Sentinels) for every run.
#   failover  SENTINEL FAILOVER (3 Sentinels, down-after 1 s, failover-timeout 5 s)
#   kill      kill -9 of the master; the Sentinels promote a replica
#   manual    no Sentinel: REPLICAOF NO ONE on a replica, 0.5 s later REPLICAOF on the old master
#             and the other replica
# Usage: bench/failover_static.sh [--runs N] [haproxy|respproxy ...] [-- failover kill manual]
#   (--runs N: each fault N times, then the median and range of each figure)
# Needs redis-server, redis-sentinel, redis-cli, python3, haproxy (apt-get install haproxy) and the
# jar (built if missing). Each run waits for a quiet machine (QUIET=no: not). Everything listens
# on 127.0.0.1 and is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib/failover.sh

failover_args "failover kill manual" "$@"
failover_init redis-server redis-sentinel redis-cli python3

start_respproxy() {
  start_respproxy_service "    mode = static
    listen { write = \"127.0.0.1:$PW\" }
    static.servers = [\"127.0.0.1:$PM\", \"127.0.0.1:$PR1\", \"127.0.0.1:$PR2\"]
    health { interval = 1s, timeout = 1s, rise = 2, fall = 3, role-check-interval = 100ms }"
}

fault_manual() {
  cli "$PR1" replicaof no one >/dev/null
  sleep 0.5
  cli "$PM" replicaof 127.0.0.1 "$PR1" >/dev/null
  cli "$PR2" replicaof 127.0.0.1 "$PR1" >/dev/null
  FINAL=$PR1
  follow_master "$FINAL"
}

run() { # proxy fault run-number
  local sentinels=yes dead=""
  [ "$2" != manual ] || sentinels=no
  FINAL=""
  start_topology "$1" "$2" "$3" "$sentinels"
  [ "$2" != kill ] || dead=$PM
  start_load "$1" "$2" 2
  "fault_$2"
  finish_run "$1" "$2" "$dead"
}

failover_bench "static-mode failover, 4 clients appending through the write port"
