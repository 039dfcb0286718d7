package io.respproxy.proxy.cli;

import io.respproxy.proxy.config.ConfigException;
import io.respproxy.proxy.config.ProxyConfig;
import io.respproxy.proxy.config.ProxyConfigLoader;
import io.respproxy.proxy.server.ProxyDataPlane;
import io.respproxy.testkit.RedisBinary;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
import io.respproxy.testkit.ReplicatedRedis;
import java.io.PrintStream;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code respproxy demo}: a throwaway local master and two replicas on free loopback ports
 * (redis-server from REDIS_SERVER, PATH, or the Redis 6.2 bundled in the jar), the proxy in front
 * on 6379 (reads) and 6380 (writes), and everything stopped on Ctrl-C.
 */
final class DemoCommand implements Command {

    @Override
    public String summary() {
        return "demo [--read-port N] [--write-port N]   throwaway master + 2 replicas with the proxy in front";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        int readPort = 6379;
        int writePort = 6380;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("--read-port") || a.equals("--write-port")) && i + 1 < args.size()) {
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
        out.println("respproxy demo: starting a master and 2 replicas with " + binary);
        ReplicatedRedis redis = RedisTopologies.replicated().replicas(2).binary(binary).start();
        ProxyConfig config;
        try {
            config = ProxyConfigLoader.loadFromString(config(redis, readPort, writePort));
        } catch (ConfigException e) {
            redis.close();
            e.problems().forEach(err::println);
            return 1;
        }
        out.println("  master   " + redis.master().endpoint());
        for (RedisNode r : redis.replicas()) {
            out.println("  replica  " + r.endpoint());
        }
        out.println();
        out.println("respproxy is in front of them:");
        out.println("  redis-cli -p " + writePort + " set greeting hello     # writes port: everything to the master");
        out.println("  redis-cli -p " + readPort + " get greeting            # reads port: round-robin over the replicas");
        out.println("  redis-cli -p " + readPort + " info proxy              # what the proxy sees");
        out.println("  curl -s localhost:9121/topology; curl -s localhost:9121/metrics");
        out.println("Ctrl-C stops the proxy and the throwaway Redis servers.");
        out.flush();
        return Lifecycle.runUntilStopped(new Daemon(config, ProxyDataPlane.FACTORY), config, redis::close);
    }

    static String config(ReplicatedRedis redis, int readPort, int writePort) {
        String servers = redis.nodes().stream()
                .map(n -> "\"" + n.endpoint() + "\"")
                .collect(Collectors.joining(", "));
        return """
                respproxy {
                  services.demo {
                    mode = static
                    listen { read = "127.0.0.1:%d", write = "127.0.0.1:%d" }
                    static.servers = [%s]
                    health.interval = 500ms
                  }
                  admin.listen = "127.0.0.1:9121"
                }
                """.formatted(readPort, writePort, servers);
    }
}
