package io.respproxy.proxy.cli;

import io.respproxy.proxy.server.DataPlane;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.proxy.config.ProxyConfig;
import io.respproxy.proxy.config.ProxyConfigLoader;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DaemonTest {

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static ProxyConfig config(int adminPort) throws Exception {
        return ProxyConfigLoader.loadFromString("""
                respproxy.services.cache {
                  mode = static
                  listen.read = "127.0.0.1:%d"
                  static.servers = ["127.0.0.1:6379"]
                }
                respproxy.admin.listen = "127.0.0.1:%d"
                respproxy.drain-timeout = 3s
                """.formatted(freePort(), adminPort));
    }

    /** A data plane that records its lifecycle and is ready only when told. */
    private static final class FakeDataPlane implements DataPlane {
        final List<String> events = new ArrayList<>();
        volatile boolean ready;

        @Override
        public void start() {
            events.add("start");
        }

        @Override
        public void stop(Duration drainTimeout) {
            events.add("stop " + drainTimeout.toSeconds() + "s");
        }

        @Override
        public boolean ready() {
            return ready;
        }

        @Override
        public String topologyJson() {
            return "{\"cache\":{}}";
        }
    }

    @Test
    void servesAdminForTheDataPlaneAndStopsInOrder() throws Exception {
        int port = freePort();
        FakeDataPlane plane = new FakeDataPlane();
        Daemon daemon = new Daemon(config(port), (config, metrics) -> plane);
        daemon.start();
        HttpClient http = HttpClient.newHttpClient();
        URI base = URI.create("http://127.0.0.1:" + port);
        try {
            assertEquals(port, daemon.adminAddress().orElseThrow().getPort());
            assertEquals(503, get(http, base.resolve("/readyz")).statusCode());
            plane.ready = true;
            assertEquals(200, get(http, base.resolve("/readyz")).statusCode());
            assertEquals("{\"cache\":{}}", get(http, base.resolve("/topology")).body());
            String metrics = get(http, base.resolve("/metrics")).body();
            assertTrue(metrics.contains("respproxy_uptime_seconds"), metrics);
            assertTrue(metrics.contains("respproxy_services 1.0"), metrics);
        } finally {
            daemon.stop();
            daemon.stop(); // idempotent
        }
        assertEquals(List.of("start", "stop 3s"), plane.events);
        assertThrows(ConnectException.class, () -> get(http, base.resolve("/healthz")));
    }

    private static HttpResponse<String> get(HttpClient http, URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
