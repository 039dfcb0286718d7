#!/usr/bin/env python3
"""Acknowledged-write loss under failover, the client side of bench/failover_static.sh.

N clients each RPUSH 1, 2, 3, ... to their own list through PORT (one command at a time, RESP
over a plain socket: no library needed) and record which appends were acknowledged. When
STOP_FILE appears holding the final master's port, they stop; every acknowledged value is then
looked up, one by one, in the list on that master (a later append cannot hide a lost one).
Prints one line: errors, longest stall (ms), acknowledged appends, lost acknowledged appends.
Loopback only.
"""
import argparse
import os
import socket
import threading
import time

HOST = "127.0.0.1"


class RespError(Exception):
    pass


class Conn:
    def __init__(self, port, timeout, password=None):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.sock.makefile("rb")
        if password:
            self.call("AUTH", password)

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.sock.sendall(b"".join(out))
        return self.read()

    def read(self):
        line = self.f.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError("connection closed")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)
            return data[:-2].decode()
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise ConnectionError("unexpected reply %r" % line)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Writer(threading.Thread):
    def __init__(self, port, key, stop):
        super().__init__(daemon=True)
        self.port, self.key, self.stop = port, key, stop
        self.acked = []
        self.errors = 0
        self.samples = set()
        self.longest_stall = 0.0

    def run(self):
        conn = None
        seq = 0
        last_ack = time.monotonic()
        while not self.stop.is_set():
            seq += 1
            try:
                if conn is None:
                    conn = Conn(self.port, 15)
                conn.call("RPUSH", self.key, seq)
                self.acked.append(seq)
                now = time.monotonic()
                self.longest_stall = max(self.longest_stall, now - last_ack)
                last_ack = now
            except RespError as e:
                self.error(e)
            except (OSError, ConnectionError) as e:
                self.error(e)
                if conn is not None:
                    conn.close()
                conn = None
        self.longest_stall = max(self.longest_stall, time.monotonic() - last_ack)
        if conn is not None:
            conn.close()

    def error(self, e):
        self.errors += 1
        if len(self.samples) < 5:
            self.samples.add("%s: %s" % (type(e).__name__, str(e)[:100]))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--prefix", default="bench:")
    p.add_argument("--stop-file", required=True)
    p.add_argument("--label", default="")
    p.add_argument("--password", default=None)
    args = p.parse_args()

    stop = threading.Event()
    writers = [Writer(args.port, "%s%d" % (args.prefix, i), stop) for i in range(args.clients)]
    started = time.monotonic()
    for w in writers:
        w.start()
    while not os.path.exists(args.stop_file) or os.path.getsize(args.stop_file) == 0:
        time.sleep(0.05)
    stop.set()
    for w in writers:
        w.join(30)
    seconds = time.monotonic() - started
    with open(args.stop_file) as f:
        master_port = int(f.read().strip())

    lost = acked = errors = 0
    samples = set()
    stall = 0.0
    d = Conn(master_port, 10, args.password)
    for w in writers:
        present = set(int(v) for v in d.call("LRANGE", w.key, 0, -1))
        acked += len(w.acked)
        lost += sum(1 for s in w.acked if s not in present)
        errors += w.errors
        samples |= w.samples
        stall = max(stall, w.longest_stall)
    d.close()
    print("%-28s errors %7d   longest stall %6d ms   acknowledged %7d   lost acknowledged %6d   (%.1f s)%s"
          % (args.label, errors, stall * 1000, acked, lost, seconds,
             ("   e.g. " + "; ".join(sorted(samples)[:2])) if samples else ""))


if __name__ == "__main__":
    main()
