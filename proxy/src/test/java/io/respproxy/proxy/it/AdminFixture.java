package io.respproxy.proxy.it;

import io.respproxy.proxy.cli.Daemon;
import io.respproxy.proxy.config.ProxyConfigLoader;
import io.respproxy.proxy.server.ProxyDataPlane;
import io.respproxy.testkit.PortAllocator;
import io.respproxy.testkit.RedisCluster;
import io.respproxy.testkit.RedisNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The daemon as {@code respproxy run} starts it (admin port included) with one service "orders"
 * (static over some servers, or a cluster), and an HTTP client for its admin port.
 */
final class AdminFixture implements AutoCloseable {

    final int readPort;
    final int writePort;
    final int adminPort;
    private final Daemon daemon;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** mode = static over {@code servers}. */
    AdminFixture(List<RedisNode> servers) throws Exception {
        this("    mode = static\n    static.servers = [" + list(servers) + "]\n");
    }

    /** mode = cluster with every node of {@code c} as a seed. */
    static AdminFixture cluster(RedisCluster c) throws Exception {
        List<RedisNode> nodes = new java.util.ArrayList<>(c.masters());
        nodes.addAll(c.replicas());
        return new AdminFixture("    mode = cluster\n    cluster.seeds = [" + list(nodes) + "]\n");
    }

    private static String list(List<RedisNode> nodes) {
        return nodes.stream().map(n -> "\"127.0.0.1:" + n.port() + "\"").collect(Collectors.joining(", "));
    }

    private AdminFixture(String topologyHocon) throws Exception {
        PortAllocator ports = PortAllocator.shared();
        readPort = ports.allocate();
        writePort = ports.allocate();
        adminPort = ports.allocate();
        daemon = new Daemon(ProxyConfigLoader.loadFromString("respproxy {\n"
                + "  admin.listen = \"127.0.0.1:" + adminPort + "\"\n"
                + "  event-loops = 2\n"
                + "  drain-timeout = 1s\n"
                + "  services.orders {\n"
                + topologyHocon
                + "    listen { read = \"127.0.0.1:" + readPort + "\", write = \"127.0.0.1:" + writePort + "\" }\n"
                + "    backend.password = \"" + ProxyFixture.BACKEND_PASSWORD + "\"\n"
                + "    health { interval = 200ms, timeout = 500ms, rise = 1, fall = 2 }\n"
                + "  }\n"
                + "}\n"), ProxyDataPlane.FACTORY);
        daemon.start();
    }

    HttpResponse<String> get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("GET " + path + " failed", e);
        }
    }

    /** Waits until /readyz answers {@code status}; returns that response. */
    HttpResponse<String> awaitReadyz(int status, Duration timeout) {
        HttpResponse<String>[] last = new HttpResponse[1];
        ProxyFixture.await(timeout, "/readyz to answer " + status, () -> {
            last[0] = get("/readyz");
            return last[0].statusCode() == status;
        });
        return last[0];
    }

    @Override
    public void close() {
        daemon.stop();
    }
}
