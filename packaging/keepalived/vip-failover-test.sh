#!/usr/bin/env bash
# VIP failover with keepalived, end to end, on one machine.
#
# Builds five test hosts in network namespaces it creates itself, joined by a bridge in a sixth
# (the "switch"); every address below exists only inside those namespaces (192.0.2.0/24, the
# documentation range, the addresses conf/keepalived/keepalived.conf names):
#
#   proxy1  192.0.2.11   respproxy (admin on 127.0.0.1:9121) + keepalived, config-id proxy1
#   proxy2  192.0.2.12   respproxy (admin on 127.0.0.1:9121) + keepalived, config-id proxy2
#   db      192.0.2.20   redis-server, the one master both proxies serve (static mode)
#   client  192.0.2.50   a client that sends INCR to the VIP 192.0.2.100:6380 ten times a second on
#                        one connection, and reconnects when it is lost
#
# keepalived runs conf/keepalived/keepalived.conf itself, unchanged. Once the VIP is up and the
# client is served through it, the script
#   1. pauses Redis (kill -STOP) until both proxies are unready, and resumes it: the VIP must stay
#      where it is and the client keep its connection (its commands wait in the proxy's hold);
#   2. kills the proxy that holds the VIP (kill -9, by the PID it started): it measures how long
#      keepalived takes to move the VIP and how long the client is without service, and checks
#      that the client reconnected to the other proxy and that its commands work there (INCR on
#      the write port, a SET on the write port read back on the read port);
#   3. restarts the killed proxy: the VIP must stay where it went.
# Its last line is "RESULT key=value ...", or "FAILED: why" (exit 1).
#
# It needs root, ip (iproute2), keepalived, curl (the sample's check), redis-server, java and the
# built jar (./mvnw -o -q -DskipTests package). Without root, keepalived, curl or redis-server, or
# where network namespaces cannot be made, it prints "skipped: why" and exits 0.
# KeepalivedVipIT runs it in ./mvnw verify. It removes everything it created (processes by PID,
# namespaces with their links, its temporary directory) on exit, failure and interrupt included.
#
# Environment: RESPPROXY_JAR (default proxy/target/respproxy.jar), JAVA (default java),
# REDIS_SERVER (default redis-server on PATH), KEEPALIVED_CONF (default the sample),
# VIP_TEST_WORKDIR (a directory for configs and logs, kept; default a temporary one, removed).
set -euo pipefail
export LC_ALL=C

VIP=192.0.2.100
PREFIX=24
declare -A ADDR=([proxy1]=192.0.2.11 [proxy2]=192.0.2.12 [db]=192.0.2.20 [client]=192.0.2.50)
READ_PORT=6379
WRITE_PORT=6380
ADMIN=127.0.0.1:9121
APP_USER=app
APP_PASSWORD=vip-test-password

# now_ms, resp_send, resp_read, wait_for, skip: shared with packaging/systemd/systemd-boot-test.sh.
# shellcheck source=../lib/resp.sh
source "$(dirname "$(readlink -f "$0")")/../lib/resp.sh"

# --call HOST PORT USER PASSWORD ARG...: one command on a new connection (USER "-": no AUTH).
client_call() {
    local host=$1 port=$2 user=$3 pass=$4 reply
    shift 4
    trap '' PIPE
    exec 3<>"/dev/tcp/$host/$port" || return 1
    if [[ $user != - ]]; then
        resp_send 3 AUTH "$user" "$pass" && reply=$(resp_read 3) || return 1
        [[ $reply == +OK ]] || { echo "$reply"; return 1; }
    fi
    resp_send 3 "$@" && resp_read 3 || return 1
    exec 3>&-
}

# --client HOST PORT USER PASSWORD LOG STOPFILE: INCR every 100 ms on one connection, reconnecting
# when it is lost, as an application's connection pool would; an error reply keeps the connection.
# One line per attempt in LOG: "MS ok VALUE", "MS err WHAT", "MS connected". A reply may take 20 s:
# longer than the proxy holds a command while Redis has no master (failover.hold-timeout, 10 s).
client_loop() {
    local host=$1 port=$2 user=$3 pass=$4 log=$5 stop=$6 connected=0 reply
    trap '' PIPE
    while [[ ! -e $stop ]]; do
        if ((!connected)); then
            if exec 3<>"/dev/tcp/$host/$port" 2>/dev/null; then
                if resp_send 3 AUTH "$user" "$pass" 2>/dev/null && reply=$(resp_read 3) && [[ $reply == +OK ]]; then
                    connected=1
                    echo "$(now_ms) connected" >>"$log"
                else
                    echo "$(now_ms) err auth ${reply:-no reply}" >>"$log"
                    exec 3>&- 2>/dev/null || true
                    sleep 0.1
                    continue
                fi
            else
                echo "$(now_ms) err connect" >>"$log"
                sleep 0.1
                continue
            fi
        fi
        reply=
        if resp_send 3 INCR vip:counter 2>/dev/null && reply=$(resp_read 3 20); then
            if [[ $reply == :* ]]; then
                echo "$(now_ms) ok ${reply#:}" >>"$log"
            else
                echo "$(now_ms) err reply $reply" >>"$log"
            fi
        else
            echo "$(now_ms) err connection lost" >>"$log"
            exec 3>&- 2>/dev/null || true
            connected=0
        fi
        sleep 0.1
    done
}

case "${1:-}" in
    --call) shift; client_call "$@"; exit $? ;;
    --client) shift; client_loop "$@"; exit 0 ;;
    "") ;;
    *) echo "usage: $0 (no arguments)" >&2; exit 2 ;;
esac

# ---- what this machine has ----

SELF=$(readlink -f "$0")
ROOT=$(cd "$(dirname "$SELF")/../.." && pwd)
JAR=${RESPPROXY_JAR:-$ROOT/proxy/target/respproxy.jar}
JAVA=${JAVA:-java}
KEEPALIVED_CONF=${KEEPALIVED_CONF:-$ROOT/conf/keepalived/keepalived.conf}
REDIS_SERVER=${REDIS_SERVER:-$(command -v redis-server || true)}

say() { printf '[vip %s] %s\n' "$(date +%T.%3N)" "$*"; }

((EUID == 0)) || skip "needs root: it creates network namespaces and runs keepalived"
# A container may give root without these: network namespaces (SYS_ADMIN), links and addresses
# (NET_ADMIN), VRRP's raw socket (NET_RAW).
CAPS=$((16#$(awk '/^CapEff:/ { print $2 }' "/proc/$$/status")))
for cap in 12:CAP_NET_ADMIN 13:CAP_NET_RAW 21:CAP_SYS_ADMIN; do
    ((CAPS >> ${cap%%:*} & 1)) || skip "root without ${cap#*:} (a container without it cannot make network namespaces or run VRRP)"
done
((BASH_VERSINFO[0] >= 5)) || skip "needs bash 5 (EPOCHREALTIME), this is $BASH_VERSION"
command -v ip >/dev/null || skip "no ip command (Debian: apt-get install iproute2)"
command -v ss >/dev/null || skip "no ss command (Debian: apt-get install iproute2)"
KEEPALIVED=$(command -v keepalived || true)
[[ -n $KEEPALIVED ]] || skip "keepalived is not installed (Debian: apt-get install keepalived)"
[[ -x /usr/bin/curl ]] || skip "no /usr/bin/curl, which the sample's vrrp_script runs (apt-get install curl)"
id nobody >/dev/null 2>&1 || skip "no user nobody, the sample's script_user"
[[ -n $REDIS_SERVER && -x $REDIS_SERVER ]] || skip "no redis-server (PATH or REDIS_SERVER)"
[[ -f $JAR ]] || { echo "FAILED: no $JAR: build it first (./mvnw -o -q -DskipTests package)"; exit 1; }
"$JAVA" -version >/dev/null 2>&1 || { echo "FAILED: cannot run $JAVA"; exit 1; }
[[ -f $KEEPALIVED_CONF ]] || { echo "FAILED: no $KEEPALIVED_CONF"; exit 1; }

# ---- everything this run creates, removed on exit ----

TAG=rpvip$$
NAMESPACES=()
PIDS=()
KEEPALIVED_PIDFILES=()
if [[ -n ${VIP_TEST_WORKDIR:-} ]]; then
    WORK=$VIP_TEST_WORKDIR
    mkdir -p "$WORK"
    KEEP_WORK=1
else
    WORK=$(mktemp -d /tmp/respproxy-vip.XXXXXX)
    KEEP_WORK=0
fi
STOP=$WORK/client.stop
rm -f "$STOP"

ns() { echo "$TAG-$1"; }

# running PID: alive and not yet a zombie (our children stay zombies until waited for).
running() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

cleanup() {
    local rc=$? pid deadline f
    set +e
    trap - EXIT INT TERM
    touch "$STOP" 2>/dev/null
    for pid in "${PIDS[@]}"; do kill -CONT "$pid" 2>/dev/null; kill -TERM "$pid" 2>/dev/null; done
    deadline=$(($(now_ms) + 10000))
    for pid in "${PIDS[@]}"; do
        while running "$pid" && (($(now_ms) < deadline)); do sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    # keepalived's VRRP child ends with its parent; make sure, by the PID it wrote, if it is still one.
    for f in "${KEEPALIVED_PIDFILES[@]}"; do
        pid=$(cat "$f" 2>/dev/null)
        if [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == keepalived ]]; then kill -KILL "$pid"; fi
    done
    for f in "${NAMESPACES[@]}"; do ip netns del "$f" 2>/dev/null; done
    if ((KEEP_WORK)); then
        echo "logs: $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "FAILED: interrupted (SIGINT)"; exit 130' INT
trap 'echo "FAILED: interrupted (SIGTERM)"; exit 143' TERM

fail() {
    local f
    echo "FAILED: $*"
    for f in "$WORK"/*.log; do
        [[ -f $f ]] || continue
        echo "---- last lines of $(basename "$f")"
        tail -n 25 "$f"
    done
    echo "FAILED: $*"
    exit 1
}

# ---- the network: a bridge in the switch namespace, one veth per host ----

if ! err=$(ip netns add "$(ns sw)" 2>&1); then
    skip "cannot create a network namespace here (ip netns add: $err)"
fi
NAMESPACES+=("$(ns sw)")
if ! err=$(ip -n "$(ns sw)" link add br0 type bridge 2>&1); then
    skip "cannot create a bridge inside a network namespace (ip link add type bridge: $err)"
fi
ip -n "$(ns sw)" link set br0 up
for host in proxy1 proxy2 db client; do
    ip netns add "$(ns "$host")"
    NAMESPACES+=("$(ns "$host")")
    ip -n "$(ns "$host")" link set lo up
    # eth0 inside the host, its peer (named after the host) a port of the bridge
    ip -n "$(ns "$host")" link add eth0 type veth peer name "$host" netns "$(ns sw)"
    ip -n "$(ns sw)" link set "$host" master br0 up
    ip -n "$(ns "$host")" addr add "${ADDR[$host]}/$PREFIX" dev eth0
    ip -n "$(ns "$host")" link set eth0 up
done
say "network: namespaces ${NAMESPACES[*]}, bridge br0 in $(ns sw), VIP $VIP"

in_ns() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }

# start LOG HOST CMD...: CMD in HOST's namespace, in the background; sets STARTED_PID, the PID of
# CMD itself (ip netns exec execs it), kept for cleanup.
start() {
    local log=$1 host=$2
    shift 2
    ip netns exec "$(ns "$host")" "$@" >"$log" 2>&1 &
    STARTED_PID=$!
    PIDS+=("$STARTED_PID")
}

forget() {
    local pid kept=()
    for pid in "${PIDS[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done
    PIDS=("${kept[@]}")
}

call() { # call HOST_NS HOST PORT ARG...: one command, authenticated unless the port is Redis's own
    local from=$1 host=$2 port=$3
    shift 3
    if [[ $host == "${ADDR[db]}" ]]; then
        in_ns "$from" bash "$SELF" --call "$host" "$port" - - "$@"
    else
        in_ns "$from" bash "$SELF" --call "$host" "$port" "$APP_USER" "$APP_PASSWORD" "$@"
    fi
}

vip_on() {
    local addrs
    addrs=$(ip -n "$(ns "$1")" -4 -o addr show dev eth0)
    grep -qF " $VIP/" <<<"$addrs"
}
vip_holder() {
    local h found=
    for h in proxy1 proxy2; do
        if vip_on "$h"; then found+=${found:+,}$h; fi
    done
    echo "${found:-none}"
}
ready() { [[ $(in_ns "$1" curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://$ADMIN/readyz" 2>/dev/null) == 200 ]]; }

# ---- Redis, the proxies, keepalived ----

start "$WORK/redis.log" db "$REDIS_SERVER" --port 6379 --bind "${ADDR[db]}" --protected-mode no \
    --save "" --appendonly no --dir "$WORK"
REDIS_PID=$STARTED_PID
redis_up() { [[ $(call db "${ADDR[db]}" 6379 PING 2>/dev/null) == +PONG ]]; }
wait_for 20 "redis-server on ${ADDR[db]}" redis_up

cat >"$WORK/respproxy.conf" <<EOF
# Written by vip-failover-test.sh: the same file on both proxy hosts.
respproxy {
  services.app {
    mode = static
    listen {
      read  = "0.0.0.0:$READ_PORT"
      write = "0.0.0.0:$WRITE_PORT"
    }
    static.servers = ["${ADDR[db]}:6379"]
    users = [ { name = $APP_USER, password = "$APP_PASSWORD" } ]
  }
  admin.listen = "$ADMIN"
  event-loops = 1
  drain-timeout = 1s
}
EOF

declare -A PROXY_PID
start_proxy() {
    start "$WORK/$1.log" "$1" "$JAVA" -Xms32m -Xmx256m -XX:+UseSerialGC -jar "$JAR" run -c "$WORK/respproxy.conf"
    PROXY_PID[$1]=$STARTED_PID
}
start_proxy proxy1
start_proxy proxy2
wait_for 120 "respproxy /readyz on proxy1" ready proxy1
wait_for 120 "respproxy /readyz on proxy2" ready proxy2
say "respproxy ready on proxy1 (pid ${PROXY_PID[proxy1]}) and proxy2 (pid ${PROXY_PID[proxy2]})"

for host in proxy1 proxy2; do
    start "$WORK/keepalived-$host.log" "$host" "$KEEPALIVED" --dont-fork --log-console --log-detail \
        --no-syslog --vrrp --use-file "$KEEPALIVED_CONF" --config-id "$host" \
        --pid "$WORK/keepalived-$host.pid" --vrrp_pid "$WORK/keepalived-$host-vrrp.pid"
    KEEPALIVED_PIDFILES+=("$WORK/keepalived-$host-vrrp.pid")
done
one_holder() { [[ $(vip_holder) == proxy1 || $(vip_holder) == proxy2 ]]; }
wait_for 30 "the VIP on one proxy host" one_holder
ACTIVE=$(vip_holder)
if [[ $ACTIVE == proxy1 ]]; then OTHER=proxy2; else OTHER=proxy1; fi
say "keepalived: VIP $VIP on $ACTIVE"

# ---- the client ----

CLIENT_LOG=$WORK/client.out
: >"$CLIENT_LOG"
start "$WORK/client.log" client bash "$SELF" --client "$VIP" "$WRITE_PORT" "$APP_USER" "$APP_PASSWORD" "$CLIENT_LOG" "$STOP"
oks_after() { awk -v t="$1" '$1 > t && $2 == "ok"' "$CLIENT_LOG" | wc -l; }
at_least() { (($(oks_after "$1") >= $2)); }
connects() { awk '$2 == "connected"' "$CLIENT_LOG" | wc -l; }
wait_for 30 "10 INCR through the VIP" at_least 0 10
say "client: $(oks_after 0) INCR answered through the VIP ($ACTIVE)"

# The client's connection is to the proxy on the host that holds the VIP.
# (Java's sockets are IPv6: ss shows the client as [::ffff:192.0.2.50]:PORT.)
client_on() {
    local conns
    conns=$(in_ns "$1" ss -Htn state established "( sport = :$WRITE_PORT )")
    grep -qE "[ :]${ADDR[client]//./\\.}\]?:" <<<"$conns"
}
client_on "$ACTIVE" || fail "the client's connection is not on $ACTIVE"

# vip_stays HOST WHY CMD...: CMD, after checking that HOST still holds the VIP (for wait_for).
vip_stays() {
    local host=$1 why=$2
    shift 2
    [[ $(vip_holder) == "$host" ]] || fail "the VIP moved from $host to $(vip_holder) $why"
    "$@"
}
# hold SECONDS HOST WHY: HOST keeps the VIP for SECONDS.
hold() {
    local deadline=$(($(now_ms) + $1 * 1000))
    while (($(now_ms) < deadline)); do vip_stays "$2" "$3" true; sleep 0.1; done
}

# ---- 1. Redis pauses: no proxy is ready, the VIP stays, the client's connection too ----

both_unready() { ! ready proxy1 && ! ready proxy2; }
both_ready() { ready proxy1 && ready proxy2; }
CONNECTS=$(connects)
T_PAUSE=$(now_ms)
kill -STOP "$REDIS_PID"
say "paused redis-server (kill -STOP $REDIS_PID)"
WHY="while Redis was paused (both proxies unready: the readiness check must only weigh)"
wait_for 30 "both proxies unready while Redis is paused" vip_stays "$ACTIVE" "$WHY" both_unready
say "both proxies unready after $(($(now_ms) - T_PAUSE)) ms; the VIP stays on $ACTIVE"
hold 4 "$ACTIVE" "$WHY"
kill -CONT "$REDIS_PID"
T_RESUME=$(now_ms)
say "resumed redis-server"
wait_for 60 "both proxies ready again" vip_stays "$ACTIVE" "$WHY" both_ready
hold 7 "$ACTIVE" "after Redis came back (preempt_delay 5 s: both proxies turn ready within it)"
(($(connects) == CONNECTS)) || fail "the client reconnected while Redis was paused: its connection was cut"
client_on "$ACTIVE" || fail "the client's connection is not on $ACTIVE after Redis came back"
wait_for 30 "INCR answered after Redis came back" at_least "$T_RESUME" 5
PAUSE_ERRORS=$(awk -v a="$T_PAUSE" '$1 > a && $2 == "err"' "$CLIENT_LOG" | wc -l)
say "VIP and client connection stayed on $ACTIVE through the pause ($PAUSE_ERRORS error replies meanwhile)"

# ---- 2. the proxy that holds the VIP dies: the VIP moves, the client reconnects ----

T_KILL=$(now_ms)
kill -KILL "${PROXY_PID[$ACTIVE]}"
wait "${PROXY_PID[$ACTIVE]}" 2>/dev/null || true
forget "${PROXY_PID[$ACTIVE]}" # reaped: its PID may be reused, cleanup must not signal it
say "killed respproxy on $ACTIVE (kill -9 ${PROXY_PID[$ACTIVE]})"

moved() { vip_on "$OTHER" && ! vip_on "$ACTIVE"; }
wait_for 30 "the VIP moving to $OTHER" moved
T_VIP=$(now_ms)
say "keepalived moved the VIP to $OTHER after $((T_VIP - T_KILL)) ms"

wait_for 30 "10 INCR through the VIP after the kill" at_least "$T_KILL" 10
client_on "$OTHER" || fail "the client's connection is not on $OTHER"

# The commands work on the other proxy: a write on the write port, read back on the read port.
MARK=after-failover-$T_KILL
[[ $(call client "$VIP" "$WRITE_PORT" SET vip:mark "$MARK") == +OK ]] || fail "SET through the VIP after the failover"
GOT=$(call client "$VIP" "$READ_PORT" GET vip:mark) || fail "GET through the VIP after the failover"
[[ $GOT == "\$$MARK" ]] || fail "GET through the VIP's read port answered '$GOT', not '$MARK'"
say "SET on :$WRITE_PORT and GET on :$READ_PORT through the VIP answered by $OTHER"

# ---- 3. the killed proxy comes back: the VIP stays where it went (equal priorities) ----

start_proxy "$ACTIVE"
WHY="when the restarted proxy on $ACTIVE was ready again (equal priorities: no preemption)"
wait_for 120 "respproxy /readyz on $ACTIVE after its restart" vip_stays "$OTHER" "$WHY" ready "$ACTIVE"
hold 7 "$OTHER" "$WHY" # the check's rise (2 s), preempt_delay (5 s)
say "respproxy on $ACTIVE is ready again; the VIP stays on $OTHER"

touch "$STOP"
sleep 0.5

# ---- what the client saw ----

read -r LAST_OK_BEFORE FIRST_OK_AFTER ERRORS_OUTAGE ERRORS_LATER OKS_AFTER NOT_INCREASING LAST_VALUE < <(awk -v k="$T_KILL" '
    $2 == "ok" && $1 <= k { before = $1 }
    $2 == "ok" && $1 > k { if (!after) after = $1; oks++ }
    $2 == "err" && $1 > k { if (!after) out++; else later++ }
    $2 == "ok" { if (seen && $3 + 0 <= last + 0) bad++; last = $3; seen = 1 }
    END { printf "%.0f %.0f %d %d %d %d %.0f\n", before, after, out, later, oks, bad, last }' "$CLIENT_LOG")
((FIRST_OK_AFTER > 0)) || fail "no INCR answered after the kill"
((NOT_INCREASING == 0)) || fail "the counter went back $NOT_INCREASING times (two Redis?)"
((ERRORS_LATER == 0)) || fail "$ERRORS_LATER client errors after it had reconnected (the VIP moved back?)"

VIP_MOVE_MS=$((T_VIP - T_KILL))
DOWNTIME_MS=$((FIRST_OK_AFTER - T_KILL))
GAP_MS=$((FIRST_OK_AFTER - LAST_OK_BEFORE))
say "client: last reply before the kill $((T_KILL - LAST_OK_BEFORE)) ms before it; first reply after it" \
    "$DOWNTIME_MS ms after it (longest gap between replies $GAP_MS ms); $ERRORS_OUTAGE failed attempts" \
    "meanwhile; $OKS_AFTER INCR answered after, up to $LAST_VALUE, none failed after the reconnection"
echo "RESULT killed=$ACTIVE served_by=$OTHER vip_move_ms=$VIP_MOVE_MS client_downtime_ms=$DOWNTIME_MS" \
    "client_gap_ms=$GAP_MS errors_during_outage=$ERRORS_OUTAGE ok_after_failover=$OKS_AFTER" \
    "errors_after_reconnect=$ERRORS_LATER read_after_failover=ok redis_pause_vip_kept=ok" \
    "redis_pause_errors=$PAUSE_ERRORS restart_vip_kept=ok"
