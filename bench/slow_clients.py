#!/usr/bin/env python3
"""Clients that stop reading, beside one that behaves: what they cost the proxy and everyone else.

Starts one redis-server and respproxy in static mode in front of it (all on 127.0.0.1, the JVM
options of the .deb: -Xmx512m and the direct memory its launcher gives the default 1gb budget),
then for each scenario, for DURATION seconds:
  readers N    N clients each pipeline COUNT GETs of a 100 KB value and never read a reply;
  subscribers N  N clients SUBSCRIBE and never read, while a publisher PUBLISHes 1 KB messages
               through the proxy as fast as it is answered;
beside a well-behaved client (a process of its own, running 1 s before the others turn up) that
alternates SET and GET every 20 ms and reads each reply. It
reports the proxy's RSS (idle, and the highest sampled every 100 ms), the well-behaved client's
slowest command and errors, the publisher's slowest batch and errors, and how many of the
misbehaving clients the proxy closed (output limit or budget), from its log.

Usage: bench/slow_clients.py [--duration S] [--budget SIZE] [scenario N ...]
  default: readers 20, readers 200, subscribers 10, subscribers 100.
Stops what it started by PID.
"""
import argparse, multiprocessing, os, re, shutil, socket, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "proxy", "target", "respproxy.jar")
VALUE = 100 * 1024


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Reader:
    """Reads whole RESP replies from a blocking socket."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("closed by the proxy")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            return [self.reply() for _ in range(int(rest))]
        if kind == b"-":
            return RuntimeError(rest.decode(errors="replace"))
        return rest


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def well_behaved(port, stop, out):
    """SET and GET in turn every 20 ms, each reply read: the slowest command and the errors.

    Runs in a process of its own, so that what it measures is the proxy, not the load generator's
    threads competing with it for Python's interpreter lock."""
    worst, errors, n = 0.0, 0, 0
    s = connect(port)
    r = Reader(s)
    i = 0
    start = time.monotonic()
    slow = []
    while not stop.is_set():
        cmd = resp("SET", "wb", i) if i % 2 == 0 else resp("GET", "wb")
        t0 = time.monotonic()
        try:
            s.sendall(cmd)
            rep = r.reply()
            if isinstance(rep, Exception):
                errors += 1
        except (OSError, ConnectionError):
            errors += 1
            s.close()
            s = connect(port); r = Reader(s)
        took = time.monotonic() - t0
        worst = max(worst, took)
        slow.append((took, t0 - start))
        n += 1
        i += 1
        time.sleep(0.02)
    s.close()
    slow.sort(reverse=True)
    out.put(dict(worst_ms=worst * 1000, errors=errors, commands=n,
                 slowest=" ".join(f"{a * 1000:.0f}ms@{b:.1f}s" for a, b in slow[:3])))


def non_reader(port, count, socks, stop):
    s = connect(port)
    socks.append(s)
    pipeline = resp("GET", "big") * count
    try:
        s.settimeout(None)
        view = memoryview(pipeline)
        while view and not stop.is_set():
            sent = s.send(view[:1 << 16])
            view = view[sent:]
    except OSError:
        pass  # closed by the proxy (output limit or budget) or at the end


def publisher(port, stop, out):
    """PUBLISH 1 KB messages in batches of 50, each batch's replies read: slowest batch, errors.

    Every message differs (a counter leads it), so the proxy gains nothing from messages repeating
    (it holds a message once for all the subscribers behind on it)."""
    worst, errors, sent = 0.0, 0, 0
    s = connect(port)
    r = Reader(s)
    fill = b"m" * 1010
    while not stop.is_set():
        batch = b"".join(resp("PUBLISH", "news", b"%012d" % (sent + i) + fill) for i in range(50))
        t0 = time.monotonic()
        try:
            s.sendall(batch)
            for _ in range(50):
                if isinstance(r.reply(), Exception):
                    errors += 1
        except (OSError, ConnectionError) as e:
            errors += 1
            out.update(failure=repr(e))
            break
        worst = max(worst, time.monotonic() - t0)
        sent += 50
    s.close()
    out.update(worst_ms=worst * 1000, errors=errors, published=sent)


def closes(log_path, since):
    with open(log_path, errors="replace") as f:
        f.seek(since)
        text = f.read()
    return (len(re.findall(r"overcoming of output buffer limits", text)),
            len(re.findall(r"Evicting client:", text)))


def metric(aport, name):
    import urllib.request
    if aport is None:
        return 0.0
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{aport}/metrics", timeout=2).read().decode()
    except OSError:
        return 0.0
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def scenario(kind, n, port, proxy_pid, log_path, duration, aport):
    idle = rss_mb(proxy_pid)
    since = os.path.getsize(log_path)
    stop = threading.Event()
    wb, pub, socks, threads = {}, {}, [], []
    # The well-behaved client is an application already running when the others turn up.
    wb_stop, wb_out = multiprocessing.Event(), multiprocessing.Queue()
    w = multiprocessing.Process(target=well_behaved, args=(port, wb_stop, wb_out), daemon=True)
    w.start()
    time.sleep(1)
    if kind == "readers":
        for _ in range(n):
            t = threading.Thread(target=non_reader, args=(port, 20000, socks, stop), daemon=True)
            t.start(); threads.append(t)
    else:
        for _ in range(n):
            s = connect(port)
            s.sendall(resp("SUBSCRIBE", "news"))
            socks.append(s)
        time.sleep(0.5)
        t = threading.Thread(target=publisher, args=(port, stop, pub), daemon=True)
        t.start(); threads.append(t)
    peak, end = idle, time.monotonic() + duration
    buffers = direct = 0.0
    while time.monotonic() < end:
        peak = max(peak, rss_mb(proxy_pid))
        buffers = max(buffers, metric(aport, "respproxy_client_buffer_bytes") / 2**20)
        direct = max(direct, metric(aport, "respproxy_direct_memory_used_bytes") / 2**20)
        time.sleep(0.1)
    stop.set()
    wb_stop.set()
    wb.update(wb_out.get(timeout=30))
    w.join(30)
    for s in socks:
        try:
            s.close()
        except OSError:
            pass
    for t in threads:
        t.join(30)
    time.sleep(1)
    limit_closes, evictions = closes(log_path, since)
    return dict(kind=kind, n=n, idle=idle, peak=peak, wb=wb, pub=pub, limit=limit_closes, evicted=evictions,
                buffers=buffers, direct=direct)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=15)
    ap.add_argument("--budget", default=None, help="max-memory-clients (default: the .deb's 1gb)")
    ap.add_argument("--jar", default=JAR)
    ap.add_argument("--direct", action="store_true", help="also run each scenario against redis-server alone")
    ap.add_argument("scenarios", nargs="*")
    a = ap.parse_args()
    pairs = a.scenarios or ["readers", "20", "readers", "200", "subscribers", "10", "subscribers", "100"]
    plan = [(pairs[i], int(pairs[i + 1])) for i in range(0, len(pairs), 2)]
    work = tempfile.mkdtemp(prefix="respproxy-slow.")
    procs = []
    try:
        rport, pport, aport = free_port(), free_port(), free_port()
        redis = subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", work, "--logfile", f"{work}/redis.log"])
        procs.append(redis)
        budget = a.budget or "1gb"
        conf = f"{work}/slow.conf"
        with open(conf, "w") as f:
            f.write(f"""respproxy {{
  services.slow {{
    mode = static
    listen.write = "127.0.0.1:{pport}"
    static.servers = ["127.0.0.1:{rport}"]
    limits.maxclients = 2000
  }}
  admin.listen = "127.0.0.1:{aport}"
  {"" if budget == "none" else "max-memory-clients = " + budget}
}}
""")
        # --budget none: a proxy that predates max-memory-clients, given the .deb's 1gb's direct memory.
        m = re.match(r"(\d+)\s*([a-z]*)", "1gb" if budget == "none" else budget.lower())
        mult = {"": 1, "b": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30, "k": 10**3, "m": 10**6, "g": 10**9}
        direct = int(m.group(1)) * mult[m.group(2)]
        direct += direct // 2
        log_path = f"{work}/proxy.log"
        extra = os.environ.get("RESPPROXY_JAVA_OPTS", "").split()  # e.g. a -D to try a setting
        proxy = subprocess.Popen(["java", "-Xms128m", "-Xmx512m", f"-XX:MaxDirectMemorySize={direct}",
                                  "-XX:+ExitOnOutOfMemoryError", f"-Xlog:gc:file={work}/gc.log", *extra,
                                  "-jar", a.jar, "run", "-c", conf],
                                 stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
        procs.append(proxy)
        for _ in range(100):
            try:
                s = connect(pport); s.sendall(resp("PING")); Reader(s).reply(); s.close(); break
            except (OSError, ConnectionError):
                time.sleep(0.2)
        s = connect(pport); s.sendall(resp("SET", "big", b"v" * VALUE)); Reader(s).reply(); s.close()
        print(f"respproxy static, -Xmx512m -XX:MaxDirectMemorySize={direct >> 20}m, max-memory-clients = {budget}, "
              f"{a.duration:.0f} s per scenario")
        print("| clients that never read | proxy RSS idle -> peak (MB) | well-behaved: slowest / errors / commands "
              "| publisher: slowest batch / errors | closed at output limit / by budget |")
        print("|---|---|---|---|---|")
        runs = [(kind, n, "respproxy") for kind, n in plan]
        if a.direct:
            runs += [(kind, n, "redis-server alone") for kind, n in plan]
        for kind, n, label in runs:
            if label == "respproxy":
                r = scenario(kind, n, pport, proxy.pid, log_path, a.duration, aport)
            else:
                # A fresh redis-server each: one that held gigabytes for stalled clients is slow for a while
                # after (and the proxy's scenarios all ran before, on a Redis that never did).
                dport = free_port()
                alone = subprocess.Popen(["redis-server", "--port", str(dport), "--bind", "127.0.0.1", "--save", "",
                                          "--appendonly", "no", "--dir", work, "--logfile", f"{work}/alone-{dport}.log"])
                try:
                    for _ in range(100):
                        try:
                            s = connect(dport); s.sendall(resp("SET", "big", b"v" * VALUE)); Reader(s).reply(); s.close()
                            break
                        except (OSError, ConnectionError):
                            time.sleep(0.1)
                    r = scenario(kind, n, dport, alone.pid, f"{work}/alone-{dport}.log", a.duration, None)
                finally:
                    alone.terminate()
                    alone.wait(30)
            what = (f"{n} pipelining 20,000 GETs of 100 KB" if kind == "readers"
                    else f"{n} subscribers, a publisher of 1 KB messages")
            pubtxt = (f"{r['pub']['worst_ms']:.0f} ms / {r['pub']['errors']} ({r['pub']['published']} sent)"
                      if r["pub"] else "")
            if os.environ.get("VERBOSE"):
                if r["pub"].get("failure") or (r["pub"] and not r["pub"].get("published")):
                    print("  publisher failed:", r["pub"])
                print("  slowest well-behaved commands:", r["wb"].get("slowest"),
                      f"; peak client buffers {r['buffers']:.0f} MB, direct memory {r['direct']:.0f} MB")
            if a.direct:
                what += f" ({label})"
            print(f"| {what} | {r['idle']:.0f} -> {r['peak']:.0f} | {r['wb']['worst_ms']:.0f} ms / {r['wb']['errors']}"
                  f" / {r['wb']['commands']} | {pubtxt} | {r['limit']} / {r['evicted']} |", flush=True)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        if os.environ.get("KEEP") is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept", work)


if __name__ == "__main__":
    sys.exit(main())
