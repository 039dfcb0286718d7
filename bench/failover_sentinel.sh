#!/usr/bin/env bash
# Sentinel-mode failover: HAProxy (the tcp-check set-up respproxy replaces, see README "What it
# replaces": redis-write, balance first with a role:master check, and redis-read, roundrobin with a
# PING check; inter 1s rise 2 fall 3) and respproxy (mode = sentinel: the master the 3 Sentinels
# agree on) in front of a master and 2 replicas, under four faults. Clients
# (bench/append_workload.py): 4 appending through the write port, 2 of them in pipelines of 8, and
# 1 reading (LLEN) through the read port. For each: client errors and how many of them may have
# been applied (the connection failed after the command was sent, or the proxy said so), the
# longest write stall, lost acknowledged appends (every acknowledged value looked up on the final
# master), read errors and the longest read stall. A fresh master/replicas/Sentinels for every run
# (down-after 1 s, failover-timeout 5 s); the fault comes after 4 s of load.
#   failover  SENTINEL FAILOVER
#   kill      kill -9 of the master; the Sentinels promote a replica
#   sigstop   SIGSTOP of the master for 4 s, then SIGCONT (the Sentinels promote a replica
#             meanwhile, and turn the old master into a replica some seconds after it is back)
#   triple    three SENTINEL FAILOVERs, each 3 s after the one before is complete: the Sentinels
#             agree on the new master and every node follows it (the old master is turned into a
#             replica by the Sentinels ~10 s after the switch and synced in full, so ~15 s each;
#             issued sooner, a failover may promote a node that is still waiting for its full
#             sync, and every write since it left the master is lost, whatever the proxy)
# Usage: bench/failover_sentinel.sh [--runs N] [haproxy|respproxy ...] [-- failover kill sigstop triple]
#   (--runs N: each fault N times, the proxies in turn, then the median and range of each figure)
# Needs redis-server, redis-sentinel, redis-cli, python3, haproxy (apt-get install haproxy) and the
# jar (built if missing). Each run waits for a quiet machine (QUIET=no: not). Everything listens
# on 127.0.0.1 and is stopped by PID. KEEP=yes keeps the run directories (/tmp/respproxy-failover.*:
# logs, respproxy's GC log, the fault's timestamps in events, the figures in result.json).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib/failover.sh

failover_args "failover kill sigstop triple" "$@"
TOOLS=(redis-server redis-sentinel redis-cli python3 java)
[[ " ${PROXIES[*]} " != *" haproxy "* ]] || TOOLS+=(haproxy)
failover_init "${TOOLS[@]}"

start_respproxy() {
  local nodes; nodes=$(printf '"127.0.0.1:%s", ' "${SENT[@]}")
  start_respproxy_service "    mode = sentinel
    listen { read = \"127.0.0.1:$PRD\", write = \"127.0.0.1:$PW\" }
    sentinel { master-name = mymaster, nodes = [${nodes%, }] }
    health { interval = 1s, timeout = 1s, rise = 2, fall = 3, role-check-interval = 100ms }"
}

fault_sigstop() {
  mark "SIGSTOP of the master $PM"
  kill -STOP "$PID_m"
  sleep 4
  kill -CONT "$PID_m"
  mark "SIGCONT of $PM"
  wait_for 30 "the Sentinels to agree on a new master" new_master_agreed "$PM"
  follow_master "$(sentinel_master_port "${SENT[0]}")"
  mark "every node follows the new master"
}
fault_triple() {
  local m=$PM i
  for i in 1 2 3; do
    m=$(sentinel_failover "$m")
    [ "$i" = 3 ] || sleep 3
  done
}

run() { # proxy fault run-number
  local dead="" switches=1
  start_topology "$1" "$2" "$3" yes read
  [ "$2" != kill ] || dead=$PM
  [ "$2" != triple ] || switches=3
  start_load "$1" "$2" 4 --read-port "$PRD" --pipeline-clients 2 --pipeline 8 --details
  "fault_$2"
  finish_run "$1" "$2" "$dead" "$switches"
}

failover_bench "Sentinel failover, 4 clients appending through the write port (2 in pipelines of 8), 1 reading through the read port"
