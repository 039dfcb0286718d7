#!/usr/bin/env python3
"""Memory and connections with many idle clients.

Starts a master + 1 replica and the proxy (all on 127.0.0.1), opens N client connections to the
proxy's read and write ports (each sends one GET, answered by a replica or the master, so its
session and the backend path are fully set up), then reports the proxy's RSS before and after, and the number of backend connections the
proxy holds (INFO proxy, and the master's/replica's connected_clients), which must not follow the
number of clients. Usage: bench/idle_clients.py [N]  (default 10000). Stops what it started by PID.
"""
import os, resource, shutil, socket, subprocess, sys, tempfile, time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "proxy", "target", "respproxy.jar")


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def cmd(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=10).stdout


def info_field(text, name):
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return "?"


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = N + 1000
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    work = tempfile.mkdtemp(prefix="respproxy-idle.")
    procs = []
    try:
        m, r, rp, wp = free_port(), free_port(), free_port(), free_port()
        for port, extra in ((m, []), (r, ["--replicaof", "127.0.0.1", str(m)])):
            procs.append(subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                           "--dir", work, "--logfile", f"{work}/{port}.log", *extra]))
        conf = f"{work}/idle.conf"
        with open(conf, "w") as f:
            f.write(f"""respproxy {{
  services.idle {{
    mode = static
    listen {{ read = "127.0.0.1:{rp}", write = "127.0.0.1:{wp}" }}
    static.servers = ["127.0.0.1:{m}", "127.0.0.1:{r}"]
    limits.maxclients = {N + 100}
  }}
  admin.listen = null
  log-level = WARN
}}
""")
        jvm = os.environ.get("RESPPROXY_JVM_OPTS", "-Xms64m -Xmx256m -XX:+UseParallelGC").split()
        proxy = subprocess.Popen(["java", *jvm, "-jar", JAR, "run", "-c", conf],
                                 stdout=open(f"{work}/proxy.log", "w"), stderr=subprocess.STDOUT)
        procs.append(proxy)
        for _ in range(100):
            if "read_replicas:1" in cmd(rp, "info", "proxy"):
                break
            time.sleep(0.2)
        cmd(wp, "set", "idle:key", "hello")
        for _ in range(50):
            if cmd(rp, "get", "idle:key").strip() == "hello":
                break
            time.sleep(0.1)
        # warm the proxy a little so the baseline includes its steady-state heap
        subprocess.run(["redis-benchmark", "-p", str(wp), "-n", "20000", "-t", "set,get", "-q"],
                       capture_output=True, timeout=60)
        time.sleep(1)
        base = rss_mb(proxy.pid)
        socks = []
        t0 = time.time()
        for i in range(N):
            s = socket.create_connection(("127.0.0.1", rp if i % 2 else wp))
            s.sendall(b"GET idle:key\r\n")
            socks.append(s)
        for s in socks:
            s.settimeout(10)
            assert s.recv(16).startswith(b"$5\r\nhello"), "no reply"
        took = time.time() - t0
        time.sleep(2)
        after = rss_mb(proxy.pid)
        info = cmd(wp, "info", "proxy")
        print(f"{N} idle clients connected in {took:.1f}s (JVM options: {' '.join(jvm)})")
        print(f"proxy RSS: {base:.0f} MB before, {after:.0f} MB with the clients "
              f"(+{after - base:.0f} MB, {(after - base) * 1024 / N:.1f} KB per client)")
        print(f"proxy_connected_clients: {info_field(info, 'proxy_connected_clients')}, "
              f"proxy_backend_connections: {info_field(info, 'proxy_backend_connections')}")
        print(f"connected_clients seen by the master: {info_field(cmd(m, 'info', 'clients'), 'connected_clients')}, "
              f"by the replica: {info_field(cmd(r, 'info', 'clients'), 'connected_clients')}")
        for s in socks:
            s.close()
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
