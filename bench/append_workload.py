#!/usr/bin/env python3
"""Acknowledged-write loss under failover, the client side of bench/failover_static.sh and
bench/failover_sentinel.sh.

N clients each RPUSH 1, 2, 3, ... to their own list through PORT (one command at a time, or with
--pipeline-clients K the first K in pipelines of --pipeline commands; RESP over a plain socket: no
library needed) and record which appends were acknowledged. With --read-port, one more client
reads (LLEN of the first list) through that port, one command at a time. When STOP_FILE appears
holding the final master's port, they stop; every acknowledged value is then looked up, one by
one, in the list on that master (a later append cannot hide a lost one).
Prints one line: errors, longest stall (ms), acknowledged appends, lost acknowledged appends; with
--details also how many errors may have been applied (the connection failed after the command was
sent, or the proxy said so: "may have been applied"; the other errors are refusals, e.g.
-READONLY, -TRYAGAIN, or a failed connect) and the reader's reads, errors and longest stall.
--json FILE writes all the figures to FILE.
Loopback only.
"""
import argparse
import json
import os
import socket
import sys
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
        self.send(args)
        return self.read()

    def send(self, *commands):
        out = []
        for args in commands:
            out.append(b"*%d\r\n" % len(args))
            for a in args:
                b = a if isinstance(a, bytes) else str(a).encode()
                out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.sock.sendall(b"".join(out))

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


class Client(threading.Thread):
    """One connection, opened again after it failed; counts errors (and those that may have been
    applied) and the longest wait for a reply. A subclass's step sends BATCH commands and reads
    their replies, counting down self.unanswered."""

    def __init__(self, port, stop, batch=1):
        super().__init__(daemon=True)
        self.port, self.stop, self.batch = port, stop, batch
        self.errors = 0
        self.maybe_applied = 0
        self.samples = set()
        self.longest_stall = 0.0
        self.stall_began = 0.0  # wall clock (time.time()) when the longest stall began
        self.last_ok = time.monotonic()
        self.unanswered = 0

    def run(self):
        conn = None
        self.last_ok = time.monotonic()
        while not self.stop.is_set():
            self.unanswered = self.batch
            try:
                if conn is None:
                    conn = Conn(self.port, 15)
                self.step(conn)
            except RespError as e:
                self.error(e, True)
            except (OSError, ConnectionError) as e:
                self.error(e, conn is not None, self.unanswered)
                if conn is not None:
                    conn.close()
                conn = None
        self.stalled(time.monotonic())
        if conn is not None:
            conn.close()

    def step(self, conn):
        raise NotImplementedError

    def ok(self):
        now = time.monotonic()
        self.stalled(now)
        self.last_ok = now
        self.unanswered -= 1

    def stalled(self, now):
        if now - self.last_ok > self.longest_stall:
            self.longest_stall = now - self.last_ok
            self.stall_began = time.time() - (now - self.last_ok)

    def error(self, e, sent, count=1):
        self.errors += count
        if sent and (not isinstance(e, RespError) or "may have been applied" in str(e)):
            self.maybe_applied += count
        if len(self.samples) < 5:
            self.samples.add("%s: %s" % (type(e).__name__, str(e)[:100]))


class Writer(Client):
    """RPUSHes 1, 2, 3, ... to KEY, PIPELINE at a time; keeps the values acknowledged."""

    def __init__(self, port, key, stop, pipeline=1):
        super().__init__(port, stop, pipeline)
        self.key = key
        self.acked = []
        self.seq = 0

    def step(self, conn):
        batch = list(range(self.seq + 1, self.seq + 1 + self.batch))
        self.seq = batch[-1]
        conn.send(*[("RPUSH", self.key, v) for v in batch])
        for v in batch:
            try:
                conn.read()
                self.acked.append(v)
                self.ok()
            except RespError as e:
                self.unanswered -= 1
                self.error(e, True)


class Reader(Client):
    """LLEN KEY, one at a time."""

    def __init__(self, port, key, stop):
        super().__init__(port, stop)
        self.key = key
        self.reads = 0

    def step(self, conn):
        conn.call("LLEN", self.key)
        self.reads += 1
        self.ok()


def utc(t):
    return time.strftime("%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (t % 1 * 1000)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--prefix", default="bench:")
    p.add_argument("--stop-file", required=True)
    p.add_argument("--label", default="")
    p.add_argument("--password", default=None)
    p.add_argument("--pipeline-clients", type=int, default=0, help="how many writers pipeline")
    p.add_argument("--pipeline", type=int, default=8, help="commands per pipeline")
    p.add_argument("--read-port", type=int, default=None, help="one reader through this port")
    p.add_argument("--details", action="store_true", help="may-have-been-applied errors, the reader")
    p.add_argument("--json", default=None, help="write the figures to this file")
    args = p.parse_args()

    stop = threading.Event()
    writers = [Writer(args.port, "%s%d" % (args.prefix, i), stop, args.pipeline if i < args.pipeline_clients else 1)
               for i in range(args.clients)]
    readers = [Reader(args.read_port, writers[0].key, stop)] if args.read_port else []
    started = time.monotonic()
    for c in writers + readers:
        c.start()
    while not os.path.exists(args.stop_file) or os.path.getsize(args.stop_file) == 0:
        if not os.path.isdir(os.path.dirname(os.path.abspath(args.stop_file))):
            sys.exit("append_workload: %s is gone: the bench stopped" % os.path.dirname(args.stop_file))
        time.sleep(0.05)
    stop.set()
    for c in writers + readers:
        c.join(30)
    seconds = time.monotonic() - started
    with open(args.stop_file) as f:
        master_port = int(f.read().strip())

    lost = acked = errors = maybe_applied = 0
    samples = set()
    stall = 0.0
    stall_began = 0.0
    d = Conn(master_port, 10, args.password)
    for w in writers:
        present = set(int(v) for v in d.call("LRANGE", w.key, 0, -1))
        acked += len(w.acked)
        lost += sum(1 for s in w.acked if s not in present)
        errors += w.errors
        maybe_applied += w.maybe_applied
        samples |= w.samples
        if w.longest_stall > stall:
            stall, stall_began = w.longest_stall, w.stall_began
    d.close()
    reads = sum(r.reads for r in readers)
    read_errors = sum(r.errors for r in readers)
    read_stall, read_stall_began = max([(r.longest_stall, r.stall_began) for r in readers] or [(0.0, 0.0)])
    read_samples = set().union(*[r.samples for r in readers])
    if args.details:
        print("%-22s errors %6d (%6d may have been applied)   longest stall %6d ms   acknowledged %7d   "
              "lost acknowledged %6d   reads %6d   read errors %5d   longest read stall %6d ms   (%.1f s)%s%s"
              % (args.label, errors, maybe_applied, stall * 1000, acked, lost, reads, read_errors,
                 read_stall * 1000, seconds,
                 ("   e.g. " + "; ".join(sorted(samples)[:2])) if samples else "",
                 ("   reads e.g. " + "; ".join(sorted(read_samples)[:2])) if read_samples else ""))
    else:
        print("%-28s errors %7d   longest stall %6d ms   acknowledged %7d   lost acknowledged %6d   (%.1f s)%s"
              % (args.label, errors, stall * 1000, acked, lost, seconds,
                 ("   e.g. " + "; ".join(sorted(samples)[:2])) if samples else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"label": args.label, "errors": errors, "maybe_applied": maybe_applied,
                       "stall_ms": int(stall * 1000), "acked": acked, "lost": lost,
                       "reads": reads if readers else None, "read_errors": read_errors if readers else None,
                       "read_stall_ms": int(read_stall * 1000) if readers else None,
                       "stall_began": utc(stall_began), "read_stall_began": utc(read_stall_began) if readers else None,
                       "seconds": round(seconds, 1), "samples": sorted(samples),
                       "read_samples": sorted(read_samples)}, f)


if __name__ == "__main__":
    main()
