package io.respproxy.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.SwitchoverResult;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminServerTest {
    private final MetricRegistry metrics = new MetricRegistry();
    private final AtomicBoolean ready = new AtomicBoolean(false);
    private final HttpClient http = HttpClient.newHttpClient();
    private AdminServer server;
    private InetSocketAddress address;

    @BeforeEach
    void start() throws Exception {
        server = new AdminServer(new InetSocketAddress("127.0.0.1", 0), metrics, ready::get,
                () -> "{\"services\":{}}", (service, timeout) -> switch (service) {
                    case "orders" -> java.util.concurrent.CompletableFuture.completedFuture(new SwitchoverResult(
                            new NodeAddress("10.0.0.1", 6379), new NodeAddress("10.0.0.2", 6379), 1200));
                    case "cache" -> java.util.concurrent.CompletableFuture.failedFuture(
                            new IllegalStateException("the replicas did not catch up with 10.0.0.1:6379 in time"));
                    case "static" -> java.util.concurrent.CompletableFuture.failedFuture(
                            new UnsupportedOperationException("switchover needs mode = sentinel"));
                    default -> java.util.concurrent.CompletableFuture.failedFuture(
                            new java.util.NoSuchElementException("no service named '" + service + "'"));
                });
        address = server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + address.getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthzIsOkWhileRunning() throws Exception {
        HttpResponse<String> r = get("/healthz");
        assertEquals(200, r.statusCode());
        assertEquals("ok\n", r.body());
    }

    @Test
    void readyzFollowsTheReadinessSupplier() throws Exception {
        HttpResponse<String> not = get("/readyz");
        assertEquals(503, not.statusCode());
        assertEquals("application/json", not.headers().firstValue("content-type").orElse(""));
        assertEquals("{\"ready\":false}\n", not.body());
        ready.set(true);
        HttpResponse<String> yes = get("/readyz");
        assertEquals(200, yes.statusCode());
        assertEquals("{\"ready\":true}\n", yes.body());
    }

    /** The data plane's reasons reach the body as they are, and its collectors reach /metrics. */
    @Test
    void readyzBodyAndCollectorsFromTheDataPlane() throws Exception {
        AtomicBoolean ok = new AtomicBoolean();
        Collector families = new Collector() {
            @Override
            public List<MetricFamilySamples> collect() {
                return List.of(new CounterMetricFamily("respproxy_commands_total", "Commands.", List.of("service"))
                        .addMetric(List.of("orders"), 10));
            }
        };
        try (AdminServer other = new AdminServer(new InetSocketAddress("127.0.0.1", 0), metrics, List.of(families),
                () -> ok.get() ? new ReadyState(true, "{\"ready\":true,\"services\":{\"orders\":{\"ready\":true}}}")
                        : new ReadyState(false, "{\"ready\":false,\"services\":{\"orders\":{\"ready\":false,"
                                + "\"reason\":\"no writable master: no server is reachable\"}}}"),
                () -> "{}", (s, t) -> null)) {
            int port = other.start().getPort();
            HttpResponse<String> not = get(port, "/readyz");
            assertEquals(503, not.statusCode());
            assertTrue(not.body().contains("\"reason\":\"no writable master: no server is reachable\""), not.body());
            ok.set(true);
            assertEquals(200, get(port, "/readyz").statusCode());
            String text = get(port, "/metrics").body();
            assertTrue(text.contains("# TYPE respproxy_commands_total counter\n"), text);
            assertTrue(text.contains("respproxy_commands_total{service=\"orders\",} 10.0\n"), text);
        }
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + port + path);
        return http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsAreInPrometheusTextFormat() throws Exception {
        Counter c = metrics.counter("respproxy.test_commands");
        c.inc(3);
        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"),
                r.headers().toString());
        assertTrue(r.body().contains("# TYPE respproxy_test_commands gauge"), r.body());
        assertTrue(r.body().contains("respproxy_test_commands 3.0"), r.body());
    }

    @Test
    void topologyAndNotFound() throws Exception {
        HttpResponse<String> t = get("/topology?pretty");
        assertEquals(200, t.statusCode());
        assertEquals("application/json", t.headers().firstValue("content-type").orElse(""));
        assertEquals("{\"services\":{}}", t.body());
        assertEquals(404, get("/nope").statusCode());
        // Many requests on one keep-alive connection: nothing accumulates or leaks.
        for (int i = 0; i < 50; i++) {
            assertEquals(200, get("/healthz").statusCode());
        }
    }

    private HttpResponse<String> post(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + address.getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void switchoverAnswersWhatHappened() throws Exception {
        HttpResponse<String> ok = post("/services/orders/switchover");
        assertEquals(200, ok.statusCode());
        assertEquals("{\"service\":\"orders\",\"from\":\"10.0.0.1:6379\",\"to\":\"10.0.0.2:6379\",\"held_ms\":1200}\n",
                ok.body());
        HttpResponse<String> gaveUp = post("/services/cache/switchover?timeout=5");
        assertEquals(409, gaveUp.statusCode());
        assertEquals("{\"service\":\"cache\",\"error\":\"the replicas did not catch up with 10.0.0.1:6379 in time\"}\n",
                gaveUp.body());
        assertEquals(400, post("/services/static/switchover").statusCode());
        assertEquals(404, post("/services/nope/switchover").statusCode());
        assertEquals(400, post("/services/orders/switchover?timeout=soon").statusCode());
        assertEquals(400, post("/services/orders/switchover?timeout=3600").statusCode(), "bounded");
        URI uri = URI.create("http://127.0.0.1:" + address.getPort() + "/services/orders/switchover");
        assertEquals(403, http.send(HttpRequest.newBuilder(uri).header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode(),
                "a web page in the operator's browser cannot fail the master over");
        assertEquals(405, get("/services/orders/switchover").statusCode(), "an action is a POST");
    }

    @Test
    void onlyGetAndHead() throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + address.getPort() + "/healthz");
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri)
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        HttpResponse<String> head = http.send(HttpRequest.newBuilder(uri)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }
}
