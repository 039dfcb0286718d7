#!/usr/bin/env bash
# respproxy under a real systemd, end to end: the .deb, the unit, start, reload, restart, stop.
#
# Boots this machine's own Debian in a systemd-nspawn container, systemd as its PID 1, with a
# network of its own (only a loopback) and, as its root, an overlay whose upper layer is a tmpfs:
# what the test writes there (dpkg's database, /etc/respproxy, the journal) is gone when it ends,
# and nothing of the machine is changed. The script runs in a mount namespace of its own
# (unshare), so its mounts go with it.
#
# Before the boot: dpkg -i the package (its postinst creates the user and enables the unit), a
# static-mode /etc/respproxy/respproxy.conf for a redis-server unit of the test's own
# (127.0.0.1:6390), and the machine's other enabled services masked (a system Redis on 6379 would
# take the read port). Then it checks what an operator relies on:
#   1. boot: respproxy.service starts by itself (postinst enabled it), as user respproxy, with the
#      unit's hardening applied (no capability, no_new_privs, seccomp), on the epoll transport;
#      /readyz 200; SET on the write port read back on the read port;
#   2. journalctl -u respproxy: the start lines, with no timestamp of our own (the journal keeps
#      the time), no warning or error, no password;
#   3. systemctl reload with a new password: the same process; a connection opened before is
#      still served; new connections need the new password. An invalid file: rejected in the
#      journal, the daemon keeps running with the last good one;
#   4. kill -9 of the daemon: Restart=on-failure starts it again (NRestarts=1);
#   5. dpkg -i of the package again (an upgrade): postinst restarts the running daemon, the
#      edited configuration is kept;
#   6. systemctl stop: exit status 0, Result=success, inactive (not failed); systemctl start again;
#   7. dpkg --purge: unit, enable link, user and /etc/respproxy are gone.
# It measures the time from `systemctl start` (and from the kill) to /readyz 200, the reload and
# the stop. Its last line is "RESULT key=value ..." or "FAILED: why" (exit 1). Where it cannot run
# (not root, no systemd-nspawn, no overlayfs, no systemd) it prints "skipped: why" and exits 0.
#
# Environment: RESPPROXY_DEB (default packaging/deb/target/respproxy_*_all.deb),
# REDIS_SERVER (default redis-server on PATH), SYSTEMD_TEST_WORKDIR (a directory for logs, kept;
# default a temporary one, removed).
set -euo pipefail
export LC_ALL=C

SELF=$(readlink -f "$0")
# now_ms, resp_send, resp_read, wait_for, skip: shared with packaging/keepalived/vip-failover-test.sh.
# shellcheck source=../lib/resp.sh
source "$(dirname "$SELF")/../lib/resp.sh"

READ_PORT=6379
WRITE_PORT=6380
REDIS_PORT=6390
ADMIN=127.0.0.1:9121
APP_USER=app

# ---- run inside the container (by this script, through nsenter) ----

# --call PORT PASSWORD ARG...: one command on a new connection to 127.0.0.1:PORT, after AUTH.
client_call() {
    local port=$1 pass=$2 reply
    shift 2
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    resp_send 3 AUTH "$APP_USER" "$pass" && reply=$(resp_read 3) || return 1
    [[ $reply == +OK ]] || { echo "$reply"; return 1; }
    resp_send 3 "$@" && resp_read 3 10 || return 1
    exec 3>&-
}

# --held PASSWORD: one connection to the write port across a reload: AUTH and SET before, then
# reads a line on stdin (the go-ahead), then SET and GET on the same connection; prints each reply.
client_held() {
    local pass=$1 go
    exec 3<>"/dev/tcp/127.0.0.1/$WRITE_PORT" || return 1
    resp_send 3 AUTH "$APP_USER" "$pass" && resp_read 3 || return 1
    resp_send 3 SET systemd:held before && resp_read 3 || return 1
    echo "waiting"
    IFS= read -r go
    resp_send 3 SET systemd:held after && resp_read 3 10 || { echo "connection lost"; return 1; }
    resp_send 3 GET systemd:held && resp_read 3 || { echo "connection lost"; return 1; }
}

case "${1:-}" in
    --call) shift; client_call "$@"; exit $? ;;
    --held) shift; client_held "$@"; exit $? ;;
    --in-mount-namespace) ;;
    "") ;;
    *) echo "usage: $0 (no arguments)" >&2; exit 2 ;;
esac

# ---- what this machine has ----

say() { printf '[systemd %s] %s\n' "$(date +%T.%3N)" "$*"; }

REPO=$(cd "$(dirname "$SELF")/../.." && pwd)
((EUID == 0)) || skip "needs root: it mounts an overlay and boots a container"
((BASH_VERSINFO[0] >= 5)) || skip "needs bash 5 (EPOCHREALTIME), this is $BASH_VERSION"
command -v systemd-nspawn >/dev/null || skip "no systemd-nspawn (Debian: apt-get install systemd-container)"
[[ -x /lib/systemd/systemd ]] || skip "no systemd on this machine to boot (Debian: apt-get install systemd)"
command -v nsenter >/dev/null && command -v unshare >/dev/null || skip "no nsenter/unshare (util-linux)"
[[ -x /usr/bin/curl ]] || skip "no /usr/bin/curl to ask /readyz (apt-get install curl)"
command -v dpkg >/dev/null || skip "no dpkg (not a Debian system)"
grep -qw overlay /proc/filesystems || skip "no overlayfs in this kernel (modprobe overlay)"
REDIS_SERVER=${REDIS_SERVER:-$(command -v redis-server || true)}
[[ -n $REDIS_SERVER && -x $REDIS_SERVER ]] || skip "no redis-server (PATH or REDIS_SERVER)"
DEB=${RESPPROXY_DEB:-}
if [[ -z $DEB ]]; then
    for DEB in "$REPO"/packaging/deb/target/respproxy_*_all.deb; do :; done
fi
[[ -f $DEB ]] || { echo "FAILED: no package at ${DEB:-packaging/deb/target}: build it first (./mvnw package)"; exit 1; }

# A mount namespace of our own: the overlay and tmpfs mounts below disappear with this process.
if [[ ${1:-} != --in-mount-namespace ]]; then
    unshare --mount true 2>/dev/null || skip "cannot make a mount namespace here (unshare --mount)"
    exec unshare --mount --propagation private -- bash "$SELF" --in-mount-namespace
fi
[[ $(readlink /proc/self/ns/mnt) != "$(readlink /proc/1/ns/mnt)" ]] \
    || { echo "FAILED: not in a mount namespace of its own; nothing mounted"; exit 1; }

# ---- everything this run creates, removed on exit ----

if [[ -n ${SYSTEMD_TEST_WORKDIR:-} ]]; then
    WORK=$SYSTEMD_TEST_WORKDIR
    mkdir -p "$WORK"
    KEEP_WORK=1
else
    WORK=$(mktemp -d /tmp/respproxy-systemd.XXXXXX)
    KEEP_WORK=0
fi
FS=$WORK/fs
ROOT=$FS/root
NSPAWN_PID=
HELD_PID=
MADE_NSPAWN_DIR=0

cleanup() {
    local rc=$? deadline
    set +e
    trap - EXIT INT TERM
    if [[ -n $HELD_PID ]]; then kill -TERM "$HELD_PID" 2>/dev/null; wait "$HELD_PID" 2>/dev/null; fi
    if [[ -n $NSPAWN_PID ]] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
        [[ -n ${CT_PID:-} ]] && ct journalctl -b --no-pager -o short-precise >"$WORK/journal.log" 2>&1
        kill -TERM "$NSPAWN_PID" # nspawn: an orderly shutdown of the container
        deadline=$(($(now_ms) + 20000))
        while kill -0 "$NSPAWN_PID" 2>/dev/null && (($(now_ms) < deadline)); do sleep 0.1; done
        kill -KILL "$NSPAWN_PID" 2>/dev/null
        wait "$NSPAWN_PID" 2>/dev/null
    fi
    umount /run/systemd/nspawn 2>/dev/null
    ((MADE_NSPAWN_DIR)) && rmdir /run/systemd/nspawn 2>/dev/null
    # (--one-file-system: never into the overlay of / should the unmount have failed)
    umount -R "$FS" 2>/dev/null
    if ((KEEP_WORK)); then
        echo "logs: $WORK"
    else
        rm -rf --one-file-system "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "FAILED: interrupted (SIGINT)"; exit 130' INT
trap 'echo "FAILED: interrupted (SIGTERM)"; exit 143' TERM

fail() {
    echo "FAILED: $*"
    if [[ -n ${CT_PID:-} ]]; then
        echo "---- journalctl -u respproxy (last lines)"
        ct journalctl -u respproxy -b --no-pager -o short-precise 2>&1 | tail -n 30
        echo "---- systemctl status respproxy"
        ct systemctl status respproxy --no-pager 2>&1 | tail -n 15
    fi
    echo "---- container console (last lines)"
    tail -n 20 "$WORK/console.log" 2>/dev/null
    echo "FAILED: $*"
    exit 1
}

# ---- the container's root: this machine's, read-only, under a tmpfs that takes every write ----

mkdir -p "$FS"
mount -t tmpfs -o mode=0755 respproxy-systemd-test "$FS"
mkdir -p "$FS/upper" "$FS/work" "$ROOT"
if ! err=$(mount -t overlay overlay -o "lowerdir=/,upperdir=$FS/upper,workdir=$FS/work" "$ROOT" 2>&1); then
    skip "cannot mount an overlay of / here ($err)"
fi
# nspawn keeps its propagation directory here and refuses to clean one on a disk file system.
if [[ ! -d /run/systemd/nspawn ]]; then
    mkdir -p /run/systemd/nspawn
    MADE_NSPAWN_DIR=1
fi
mount -t tmpfs -o mode=0755 respproxy-systemd-nspawn /run/systemd/nspawn
# A machine id of its own: the same as the machine's would make it share the machine's journal.
tr -d - </proc/sys/kernel/random/uuid >"$ROOT/etc/machine-id"

NSPAWN=(systemd-nspawn --quiet --directory="$ROOT" --machine=respproxy-test --register=no --keep-unit
    --private-network --link-journal=no)
# chroot_run CMD...: CMD in the container's file system, before the boot.
chroot_run() { "${NSPAWN[@]}" --pipe -- "$@"; }

cp "$DEB" "$ROOT/root/respproxy.deb"
# What the container runs of ours, copied in: the lower layer is /'s own file system only (not
# other mounts), and nspawn puts a tmpfs on /tmp.
CT_DIR=/root/respproxy-test
mkdir -p "$ROOT$CT_DIR/systemd" "$ROOT$CT_DIR/lib"
cp "$SELF" "$ROOT$CT_DIR/systemd/"
cp "$(dirname "$SELF")/../lib/resp.sh" "$ROOT$CT_DIR/lib/"
cp "$REDIS_SERVER" "$ROOT$CT_DIR/redis-server"
CT_SELF=$CT_DIR/systemd/$(basename "$SELF")
if ! out=$(chroot_run dpkg -i /root/respproxy.deb 2>&1); then
    if grep -q 'dependency problems' <<<"$out"; then
        echo "FAILED: the package's Depends are not installed on this machine (.ci/run installs them):"
    else
        echo "FAILED: dpkg -i in the container:"
    fi
    echo "$out"
    exit 1
fi
[[ -L $ROOT/etc/systemd/system/multi-user.target.wants/respproxy.service ]] \
    || fail "postinst did not enable respproxy.service"

# Nothing else of the machine's starts: mask every other service multi-user.target wants, and
# the timers (apt, man-db: they would take the CPU, or dpkg's lock in the middle of the test).
for unit in "$ROOT"/etc/systemd/system/multi-user.target.wants/*.service \
    "$ROOT"/etc/systemd/system/timers.target.wants/*.timer; do
    [[ -e $unit || -L $unit ]] || continue
    name=$(basename "$unit")
    [[ $name == respproxy.service ]] || ln -sf /dev/null "$ROOT/etc/systemd/system/$name"
done
# A policy-rc.d (containers and CI set one) would keep the upgrade from restarting the daemon.
rm -f "$ROOT/usr/sbin/policy-rc.d"

cat >"$ROOT/etc/systemd/system/respproxy-test-redis.service" <<EOF
[Unit]
Description=The Redis respproxy serves in the systemd test
Before=respproxy.service

[Service]
ExecStart=$CT_DIR/redis-server --port $REDIS_PORT --bind 127.0.0.1 --save "" --appendonly no --dir /tmp
PrivateTmp=yes

[Install]
WantedBy=multi-user.target
EOF
ln -s ../respproxy-test-redis.service "$ROOT/etc/systemd/system/multi-user.target.wants/"

# write_conf PASSWORD: /etc/respproxy/respproxy.conf, in place (dpkg's owner and mode stay).
write_conf() {
    cat >"$ROOT/etc/respproxy/respproxy.conf" <<EOF
# Written by systemd-boot-test.sh.
respproxy {
  services.app {
    mode = static
    listen {
      read  = "127.0.0.1:$READ_PORT"
      write = "127.0.0.1:$WRITE_PORT"
    }
    static.servers = ["127.0.0.1:$REDIS_PORT"]
    users = [ { name = $APP_USER, password = "$1" } ]
  }
  admin.listen = "$ADMIN"
  drain-timeout = 2s
}
EOF
}
FIRST_PASSWORD=first-$RANDOM$RANDOM
SECOND_PASSWORD=second-$RANDOM$RANDOM
write_conf "$FIRST_PASSWORD"

# ---- boot ----

T_BOOT=$(now_ms)
"${NSPAWN[@]}" --console=read-only --boot >"$WORK/console.log" 2>&1 &
NSPAWN_PID=$!
find_init() { CT_PID=$(pgrep -P "$NSPAWN_PID" -x systemd | head -n 1); [[ -n $CT_PID ]]; }
wait_for 30 "the container's systemd" find_init
# ct CMD...: CMD inside the booted container, as root, with a clean environment.
ct() {
    nsenter --target "$CT_PID" --mount --uts --ipc --net --pid --cgroup --root --wd -- \
        env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}
booted() { [[ $(ct systemctl is-system-running 2>/dev/null) =~ ^(running|degraded)$ ]]; }
wait_for 120 "the container's boot (systemctl is-system-running)" booted
say "container booted in $(($(now_ms) - T_BOOT)) ms: $(ct systemctl is-system-running), systemd $(ct systemctl --version | awk 'NR == 1 { print $2 }')"
FAILED_UNITS=$(ct systemctl list-units --failed --plain --no-legend | awk '{ print $1 }' | paste -sd, -) \
    || fail "systemctl list-units failed"
[[ -z $FAILED_UNITS ]] || say "failed units in the container (not ours): $FAILED_UNITS"

prop() { ct systemctl show respproxy -p "$1" --value; }
ready() { [[ $(ct curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://$ADMIN/readyz" 2>/dev/null) == 200 ]]; }
call() { ct bash "$CT_SELF" --call "$@"; }

# ---- 1. started at boot, as the respproxy user, hardened, serving ----

[[ $(ct systemctl is-enabled respproxy) == enabled ]] || fail "respproxy.service is not enabled"
MODE=$(ct stat -c '%U:%G %a' /etc/respproxy/respproxy.conf) || fail "no /etc/respproxy/respproxy.conf"
[[ $MODE == 'root:respproxy 640' ]] || fail "/etc/respproxy/respproxy.conf is $MODE, not root:respproxy 640"
wait_for 120 "/readyz 200 after the boot" ready
BOOT_READY_MS=$(($(now_ms) - T_BOOT))
[[ $(prop ActiveState) == active ]] || fail "respproxy.service is $(prop ActiveState)"
MAIN_PID=$(prop MainPID)
say "respproxy.service active at boot, MainPID $MAIN_PID, ready $BOOT_READY_MS ms after the container started"

[[ $(ct ps -o user= -p "$MAIN_PID") == respproxy ]] || fail "the daemon runs as $(ct ps -o user= -p "$MAIN_PID"), not respproxy"
STATUS=$(ct cat "/proc/$MAIN_PID/status") || fail "MainPID $MAIN_PID is gone"
status_field() { awk -v f="$1:" '$1 == f { print $2 }' <<<"$STATUS"; }
[[ $(status_field CapBnd) == 0000000000000000 ]] || fail "capability bounding set $(status_field CapBnd), not empty"
[[ $(status_field CapEff) == 0000000000000000 ]] || fail "effective capabilities $(status_field CapEff)"
[[ $(status_field NoNewPrivs) == 1 ]] || fail "no_new_privs is not set"
[[ $(status_field Seccomp) == 2 ]] || fail "no seccomp filter (RestrictAddressFamilies, SystemCallFilter)"
[[ $(prop SystemCallFilter) == *epoll_wait* ]] || fail "the unit's SystemCallFilter is not in force: $(prop SystemCallFilter | cut -c1-80)"
[[ $(ct cat "/proc/$MAIN_PID/comm") == java ]] || fail "MainPID $MAIN_PID is $(ct cat "/proc/$MAIN_PID/comm"), not the JVM"
say "runs as respproxy: CapBnd 0, NoNewPrivs 1, Seccomp 2"
# The launcher sized the direct memory from /etc/default/respproxy's RESPPROXY_MAX_MEMORY_CLIENTS
# (1gb as shipped): the client-buffer budget and half as much again.
CMDLINE=$(ct cat "/proc/$MAIN_PID/cmdline" | tr '\0' ' ')
[[ $CMDLINE == *' -XX:MaxDirectMemorySize=1610612736 '* ]] \
  || fail "the JVM's direct memory is not sized from RESPPROXY_MAX_MEMORY_CLIENTS (1gb): $CMDLINE"
say "direct memory 1.5 GiB for the 1gb client-buffer budget"


reply=$(call "$WRITE_PORT" "$FIRST_PASSWORD" SET systemd:key booted) || fail "SET through the write port: ${reply:-no reply}"
[[ $reply == +OK ]] || fail "SET through the write port: $reply"
reply=$(call "$READ_PORT" "$FIRST_PASSWORD" GET systemd:key) || fail "GET through the read port: ${reply:-no reply}"
[[ $reply == '$booted' ]] || fail "GET through the read port: $reply, not booted"
say "SET on $WRITE_PORT read back on $READ_PORT"

# ---- 2. the journal ----

# /readyz can answer before the journal has the line that follows it.
journal_has() { ct journalctl -u respproxy -b --no-pager -o cat | grep -q "$1"; }
wait_for 10 "the journal's 'listening on' line" journal_has "listening on 127.0.0.1:$WRITE_PORT"
wait_for 10 "the journal's admin line" journal_has "admin HTTP listening on"
JOURNAL=$(ct journalctl -u respproxy -b --no-pager -o cat) || fail "journalctl failed"
# The sandbox (PrivateTmp, SystemCallFilter) must not cost the native transport: Netty loads it
# from /tmp.
grep -q "network I/O: epoll transport" <<<"$JOURNAL" || fail "not on the epoll transport: $(grep 'network I/O' <<<"$JOURNAL")"
if grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}|^[0-9]{2}:[0-9]{2}:[0-9]{2}' <<<"$JOURNAL"; then
    fail "log lines carry a time of their own under journald: $(head -n 1 <<<"$JOURNAL")"
fi
NOISE=$(grep -E '^(WARN|ERROR)' <<<"$JOURNAL" || true)
[[ -z $NOISE ]] || fail "a clean start logged warnings or errors: $NOISE"
say "journal: $(wc -l <<<"$JOURNAL") lines from respproxy, e.g. \"$(grep -m 1 'listening on' <<<"$JOURNAL")\""

# ---- 3. reload ----

mkfifo "$WORK/go"
ct bash "$CT_SELF" --held "$FIRST_PASSWORD" <"$WORK/go" >"$WORK/held.out" 2>&1 &
HELD_PID=$!
exec 4>"$WORK/go" # opens the helper's stdin: it starts
held_waiting() { grep -q waiting "$WORK/held.out"; }
wait_for 20 "the held connection's first commands" held_waiting
[[ $(head -n 2 "$WORK/held.out" | paste -sd ' ') == '+OK +OK' ]] || fail "held connection: $(cat "$WORK/held.out")"

write_conf "$SECOND_PASSWORD"
T_RELOAD=$(now_ms)
ct systemctl reload respproxy || fail "systemctl reload failed"
wait_for 30 "the reload in the journal" journal_has "reload of /etc/respproxy/respproxy.conf applied"
RELOAD_MS=$(($(now_ms) - T_RELOAD))
[[ $(prop MainPID) == "$MAIN_PID" ]] || fail "reload replaced the process ($MAIN_PID -> $(prop MainPID))"
reply=$(call "$WRITE_PORT" "$SECOND_PASSWORD" PING) || fail "the new password after reload: ${reply:-no reply}"
[[ $reply == +PONG ]] || fail "the new password after reload: $reply"
reply=$(call "$WRITE_PORT" "$FIRST_PASSWORD" PING) && fail "the old password still works after reload"
[[ $reply == -WRONGPASS* ]] || fail "the old password after reload: $reply, not WRONGPASS"
echo go >&4
exec 4>&-
wait "$HELD_PID" || fail "held connection: $(cat "$WORK/held.out")"
HELD_PID=
[[ $(tail -n 2 "$WORK/held.out" | paste -sd ' ') == '+OK $after' ]] \
    || fail "the connection opened before the reload: $(cat "$WORK/held.out")"
say "reload in $RELOAD_MS ms: same process, new password needed, a connection from before still served"

cp "$ROOT/etc/respproxy/respproxy.conf" "$WORK/good.conf"
echo 'respproxy.services.app.mode = no-such-mode' >>"$ROOT/etc/respproxy/respproxy.conf"
ct systemctl reload respproxy || fail "systemctl reload (invalid file) failed"
wait_for 30 "the invalid file's rejection in the journal" journal_has "reload rejected"
[[ $(prop ActiveState) == active && $(prop MainPID) == "$MAIN_PID" ]] || fail "an invalid file stopped the daemon"
reply=$(call "$WRITE_PORT" "$SECOND_PASSWORD" GET systemd:key) || fail "serving after a rejected reload: ${reply:-no reply}"
[[ $reply == '$booted' ]] || fail "serving after a rejected reload: $reply"
cp "$WORK/good.conf" "$ROOT/etc/respproxy/respproxy.conf"
say "an invalid file: rejected, still serving with the last good one"

# ---- 4. a crash: Restart=on-failure ----

T_KILL=$(now_ms)
ct kill -KILL "$MAIN_PID"
restarted() { [[ $(prop NRestarts) == 1 && $(prop MainPID) != "$MAIN_PID" && $(prop MainPID) != 0 ]]; }
wait_for 30 "a restart after kill -9" restarted
wait_for 120 "/readyz 200 after the restart" ready
CRASH_READY_MS=$(($(now_ms) - T_KILL))
MAIN_PID=$(prop MainPID)
reply=$(call "$WRITE_PORT" "$SECOND_PASSWORD" GET systemd:key) || fail "GET after the restart: ${reply:-no reply}"
[[ $reply == '$booted' ]] || fail "GET after the restart: $reply"
say "kill -9: restarted by systemd (NRestarts 1), ready $CRASH_READY_MS ms after the kill"

# ---- 5. an upgrade: the package installed again over itself ----

out=$(ct dpkg -i --force-confold /root/respproxy.deb 2>&1) || fail "dpkg -i over the installed package: $out"
upgraded() { [[ $(prop MainPID) != "$MAIN_PID" && $(prop MainPID) != 0 && $(prop ActiveState) == active ]]; }
wait_for 60 "the daemon restarted by the upgrade" upgraded
wait_for 120 "/readyz 200 after the upgrade" ready
MAIN_PID=$(prop MainPID)
reply=$(call "$WRITE_PORT" "$SECOND_PASSWORD" PING) || fail "the edited configuration after the upgrade: ${reply:-no reply}"
[[ $reply == +PONG ]] || fail "the edited configuration after the upgrade: $reply"
say "upgrade: postinst restarted the daemon (MainPID $MAIN_PID), the edited configuration kept"

# ---- 6. stop and start ----

T_STOP=$(now_ms)
ct systemctl stop respproxy || fail "systemctl stop failed"
STOP_MS=$(($(now_ms) - T_STOP))
[[ $(prop ActiveState) == inactive ]] || fail "after stop: ActiveState $(prop ActiveState)"
[[ $(prop Result) == success ]] || fail "after stop: Result $(prop Result)"
[[ $(prop ExecMainCode) == 1 && $(prop ExecMainStatus) == 0 ]] \
    || fail "after stop: the JVM ended with code $(prop ExecMainCode) status $(prop ExecMainStatus), not exit 0"
say "stop: exit 0, Result=success, inactive, in $STOP_MS ms"

T_START=$(now_ms)
ct systemctl start respproxy || fail "systemctl start failed"
wait_for 120 "/readyz 200 after systemctl start" ready
START_READY_MS=$(($(now_ms) - T_START))
reply=$(call "$READ_PORT" "$SECOND_PASSWORD" GET systemd:key) || fail "GET after start: ${reply:-no reply}"
[[ $reply == '$booted' ]] || fail "GET after start: $reply"
say "start: ready $START_READY_MS ms after systemctl start"

ALL=$(ct journalctl -b --no-pager -o cat) || fail "journalctl failed"
grep -qF -e "$FIRST_PASSWORD" -e "$SECOND_PASSWORD" <<<"$ALL" && fail "a password reached the journal"
say "journal: no password in $(wc -l <<<"$ALL") lines of this boot"

# ---- 7. purge ----

out=$(ct dpkg --purge respproxy 2>&1) || fail "dpkg --purge: $out"
[[ $(ct systemctl show respproxy -p LoadState --value) == not-found ]] || fail "the unit is still known after purge"
[[ ! -e $ROOT/lib/systemd/system/respproxy.service && ! -e $ROOT/etc/systemd/system/multi-user.target.wants/respproxy.service ]] \
    || fail "unit or enable link left after purge"
[[ ! -e $ROOT/etc/respproxy ]] || fail "/etc/respproxy left after purge"
ct getent passwd respproxy >/dev/null && fail "user respproxy left after purge"
ct pgrep -x java >/dev/null && fail "a JVM is still running after purge"
say "purge: unit, enable link, /etc/respproxy and the user are gone"

echo "RESULT boot_ready_ms=$BOOT_READY_MS reload_ms=$RELOAD_MS crash_ready_ms=$CRASH_READY_MS stop_ms=$STOP_MS start_ready_ms=$START_READY_MS"
