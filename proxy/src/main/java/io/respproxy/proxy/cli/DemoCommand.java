package io.respproxy.proxy.cli;

import io.respproxy.proxy.config.ConfigException;
import io.respproxy.proxy.config.ProxyConfig;
import io.respproxy.proxy.config.ProxyConfigLoader;
import io.respproxy.proxy.server.ProxyDataPlane;
import io.respproxy.testkit.RedisBinary;
import io.respproxy.testkit.RedisCluster;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
import io.respproxy.testkit.RedisTopology;
import io.respproxy.testkit.ReplicatedRedis;
import io.respproxy.testkit.SentinelDeployment;
import java.io.PrintStream;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code respproxy demo}: a throwaway local master and two replicas (with {@code --mode sentinel},
 * and three Sentinels; with {@code --mode cluster}, a Redis Cluster of three masters and three
 * replicas instead) on free loopback ports (redis-server from REDIS_SERVER, PATH, or the Redis
 * 6.2 bundled in the jar), the proxy in front on 6379 (reads) and 6380 (writes), and everything
 * stopped on Ctrl-C.
 */
final class DemoCommand implements Command {

    @Override
    public String summary() {
        return "demo [--mode static|sentinel|cluster] [--read-port N] [--write-port N]   throwaway Redis topology "
                + "with the proxy in front";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        int readPort = 6379;
        int writePort = 6380;
        String mode = "static";
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--mode") && i + 1 < args.size()) {
                mode = args.get(++i);
                if (!mode.equals("static") && !mode.equals("sentinel") && !mode.equals("cluster")) {
                    err.println("respproxy demo: --mode is static, sentinel or cluster");
                    return Main.USAGE;
                }
            } else if ((a.equals("--read-port") || a.equals("--write-port")) && i + 1 < args.size()) {
                int port;
                try {
                    port = Integer.parseInt(args.get(++i));
                } catch (NumberFormatException e) {
                    err.println("respproxy demo: " + a + " needs a port number");
                    return Main.USAGE;
                }
                if (a.equals("--read-port")) {
                    readPort = port;
                } else {
                    writePort = port;
                }
            } else {
                err.println("respproxy demo: unknown argument '" + a + "'");
                err.println("usage: respproxy " + summary());
                return Main.USAGE;
            }
        }
        RedisBinary binary = RedisBinary.locate();
        RedisTopology topology;
        String topologyHocon;
        List<RedisNode> dataNodes;
        SentinelDeployment sentinel = null;
        RedisCluster cluster = null;
        if (mode.equals("cluster")) {
            out.println("respproxy demo: starting a Redis Cluster of 3 masters and 3 replicas with " + binary);
            cluster = RedisTopologies.cluster().mastersCount(3).replicasPerMaster(1).binary(binary).start();
            topology = cluster;
            dataNodes = cluster.nodes();
            topologyHocon = clusterHocon(cluster);
        } else if (mode.equals("sentinel")) {
            out.println("respproxy demo: starting a master, 2 replicas and 3 Sentinels with " + binary);
            sentinel = RedisTopologies.sentinel().replicas(2).sentinels(3).binary(binary).start();
            topology = sentinel;
            dataNodes = sentinel.dataNodes();
            topologyHocon = sentinelHocon(sentinel);
        } else {
            out.println("respproxy demo: starting a master and 2 replicas with " + binary);
            ReplicatedRedis redis = RedisTopologies.replicated().replicas(2).binary(binary).start();
            topology = redis;
            dataNodes = redis.nodes();
            topologyHocon = staticHocon(redis.nodes());
        }
        ProxyConfig config;
        try {
            config = ProxyConfigLoader.loadFromString(config(topologyHocon, readPort, writePort));
        } catch (ConfigException e) {
            topology.close();
            e.problems().forEach(err::println);
            return 1;
        }
        if (cluster != null) {
            for (RedisNode n : cluster.masters()) {
                out.println("  master   " + n.endpoint() + ", its replica " + cluster.replicasOf(n).stream()
                        .map(r -> r.endpoint().toString()).collect(Collectors.joining(", ")));
            }
        } else {
            for (RedisNode n : dataNodes) {
                out.println("  " + (n == dataNodes.get(0) ? "master   " : "replica  ") + n.endpoint());
            }
        }
        if (sentinel != null) {
            for (RedisNode n : sentinel.sentinels()) {
                out.println("  sentinel " + n.endpoint());
            }
        }
        out.println();
        out.println("respproxy is in front of them:");
        out.println("  redis-cli -p " + writePort + " set greeting hello     # writes port: everything to the master");
        out.println("  redis-cli -p " + readPort + " get greeting            # reads port: round-robin over the replicas");
        out.println("  redis-cli -p " + readPort + " info proxy              # what the proxy sees");
        out.println("  curl -s localhost:9121/topology; curl -s localhost:9121/metrics");
        if (cluster != null) {
            out.println("  redis-cli -p " + writePort + " mset a 1 b 2 c 3     # keys of every slot, one plain connection");
            out.println();
            out.println("Keep writing (e.g. redis-benchmark -p " + writePort + " -t set -r 100000 -l -q) and fail a "
                    + "master over to its replica:");
            RedisNode master = cluster.masters().get(0);
            out.println("  redis-cli -p " + cluster.replicasOf(master).get(0).port()
                    + " cluster failover   # the replica takes over its master's slots; writes pause, then go on");
        }
        if (sentinel != null) {
            out.println();
            out.println("Keep writing (e.g. redis-benchmark -p " + writePort + " -t set -l -q) and fail the master over:");
            out.println("  redis-cli -p " + sentinel.sentinels().get(0).port() + " sentinel failover "
                    + sentinel.masterName() + "   # the Sentinels' failover: writes pause, then go on");
            out.println("  java -jar respproxy.jar switchover demo             # the proxy's own, which loses nothing");
        }
        out.println("Ctrl-C stops the proxy and the throwaway Redis servers.");
        out.flush();
        return Lifecycle.runUntilStopped(new Daemon(config, ProxyDataPlane.FACTORY), config, topology::close,
                () -> org.slf4j.LoggerFactory.getLogger(DemoCommand.class)
                        .warn("SIGHUP: the demo has no configuration file to reload"));
    }

    static String staticHocon(List<RedisNode> nodes) {
        String servers = nodes.stream().map(n -> "\"" + n.endpoint() + "\"").collect(Collectors.joining(", "));
        return "mode = static\n    static.servers = [" + servers + "]";
    }

    static String clusterHocon(RedisCluster c) {
        String seeds = c.nodes().stream().map(n -> "\"" + n.endpoint() + "\"").collect(Collectors.joining(", "));
        return "mode = cluster\n    cluster.seeds = [" + seeds + "]";
    }

    static String sentinelHocon(SentinelDeployment s) {
        String sentinels = s.sentinels().stream().map(n -> "\"" + n.endpoint() + "\"").collect(Collectors.joining(", "));
        return "mode = sentinel\n    sentinel { master-name = " + s.masterName() + ", nodes = [" + sentinels + "] }";
    }

    static String config(String topologyHocon, int readPort, int writePort) {
        return """
                respproxy {
                  services.demo {
                    %s
                    listen { read = "127.0.0.1:%d", write = "127.0.0.1:%d" }
                    health.interval = 500ms
                  }
                  admin.listen = "127.0.0.1:9121"
                }
                """.formatted(topologyHocon, readPort, writePort);
    }
}
