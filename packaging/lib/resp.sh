# Sourced by the packaging test scripts: a RESP client with no dependency but bash 5, over
# bash's /dev/tcp, a millisecond clock, polling, and the "skipped:" line of their contract.

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# resp_send FD ARG...: one command as a RESP array of bulk strings.
resp_send() {
    local fd=$1 out part a
    shift
    printf -v out '*%d\r\n' $#
    for a in "$@"; do
        printf -v part '$%d\r\n%s\r\n' "${#a}" "$a"
        out+=$part
    done
    printf '%s' "$out" >&"$fd"
}

# resp_read FD [SECONDS]: one reply (simple string, error, integer or bulk string) on stdout, as
# "+OK", "-ERR ...", ":12", "$value" or "$nil"; returns 1 when nothing came within SECONDS (2).
resp_read() {
    local fd=$1 wait=${2:-2} line data
    IFS= read -r -t "$wait" line <&"$fd" || return 1
    line=${line%$'\r'}
    if [[ $line == '$-1' ]]; then
        echo '$nil'
    elif [[ $line == '$'* ]]; then
        IFS= read -r -t 2 data <&"$fd" || return 1
        echo "\$${data%$'\r'}"
    else
        echo "$line"
    fi
}


# skip WHY: the script cannot run here; says so and exits 0 (the IT is then skipped with WHY).
skip() { echo "skipped: $*"; exit 0; }

# wait_for SECONDS WHAT CMD...: polls CMD every 50 ms; calls the script's fail() after SECONDS.
wait_for() {
    local seconds=$1 what=$2 deadline
    shift 2
    deadline=$(($(now_ms) + seconds * 1000))
    until "$@"; do
        (($(now_ms) < deadline)) || fail "$what: not after ${seconds}s"
        sleep 0.05
    done
}
