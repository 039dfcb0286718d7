package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.respproxy.proxy.metrics.PromText;
import io.respproxy.proxy.server.StrictJson;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.ReplicatedRedis;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * Scrapes /metrics from a running proxy over HTTP, parses the text format strictly, and checks
 * names, types, labels, and that the values moved by exactly what real commands did.
 */
class MetricsIT {

    private static ReplicatedRedis redis;
    private static AdminFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        redis = ProxyEnvironment.redis(1);
        proxy = new AdminFixture(List.of(redis.master(), redis.replicas().get(0)));
        proxy.awaitReadyz(200, Duration.ofSeconds(20));
        // Reads go to the replica once it is seen serving.
        ProxyFixture.await(Duration.ofSeconds(20), "the replica to serve reads", () -> value(scrape(),
                "respproxy_replica_read_eligible", Map.of("node", node(redis.replicas().get(0)))) == 1);
    }

    @AfterAll
    static void stop() {
        try {
            if (proxy != null) {
                proxy.close();
            }
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }

    static String node(RedisNode n) {
        return "127.0.0.1:" + n.port();
    }

    static Map<String, PromText.Family> scrape() {
        HttpResponse<String> r = proxy.get("/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
        return PromText.parse(r.body());
    }

    /** The one sample of {@code family} (by its own name) whose labels include {@code labels}; 0 if none. */
    static double value(Map<String, PromText.Family> m, String family, Map<String, String> labels) {
        return MetricsITValues.value(m, family, family, labels);
    }

    @Test
    void commandsMoveTheCountersByExactlyWhatWasSent() {
        Map<String, PromText.Family> before = scrape();
        String master = node(redis.master());
        try (Jedis w = new Jedis("127.0.0.1", proxy.writePort, 10_000);
             Jedis r = new Jedis("127.0.0.1", proxy.readPort, 10_000)) {
            for (int i = 0; i < 10; i++) {
                assertEquals("OK", w.set("metrics:" + i, "v" + i));
            }
            for (int i = 0; i < 5; i++) {
                r.get("metrics:" + i);
            }
            assertThrows(JedisDataException.class, () -> w.incr("metrics:0")); // not an integer: an error reply
            assertThrows(JedisDataException.class, () -> w.sendCommand(() -> "NOSUCHCOMMAND".getBytes(), "x").toString());
        }
        Map<String, PromText.Family> after = scrape();
        Map<String, String> orders = Map.of("service", "orders");
        assertEquals(10, delta(before, after, "respproxy_commands_total",
                Map.of("service", "orders", "command", "set", "outcome", "ok")));
        assertEquals(5, delta(before, after, "respproxy_commands_total",
                Map.of("service", "orders", "command", "get", "outcome", "ok")));
        assertEquals(1, delta(before, after, "respproxy_commands_total",
                Map.of("service", "orders", "command", "incr", "outcome", "error")));
        assertEquals(0, delta(before, after, "respproxy_commands_total",
                Map.of("service", "orders", "command", "incr", "outcome", "ok")));
        assertEquals(1, delta(before, after, "respproxy_commands_total",
                Map.of("service", "orders", "command", "unknown", "outcome", "error")));
        // Every command is timed once (Jedis may send CLIENT SETINFO on connect: at least what we sent).
        double timed = delta(before, after, "respproxy_command_duration_seconds", "respproxy_command_duration_seconds_count",
                orders);
        assertTrue(timed >= 17, "timed " + timed);
        assertTrue(delta(before, after, "respproxy_command_duration_seconds", "respproxy_command_duration_seconds_sum",
                orders) > 0);
        // The master answered the 10 SETs and the INCR; the replica the 5 GETs.
        assertTrue(delta(before, after, "respproxy_backend_command_duration_seconds",
                "respproxy_backend_command_duration_seconds_count", Map.of("node", master)) >= 11);
        assertTrue(delta(before, after, "respproxy_backend_command_duration_seconds",
                "respproxy_backend_command_duration_seconds_count", Map.of("node", node(redis.replicas().get(0)))) >= 5);
        assertTrue(delta(before, after, "respproxy_backend_sent_bytes_total", Map.of("node", master)) > 10 * 20);
        assertTrue(delta(before, after, "respproxy_backend_received_bytes_total", Map.of("node", master)) >= 10 * 5);
        assertEquals(1, delta(before, after, "respproxy_client_connections_accepted_total",
                Map.of("service", "orders", "listener", "write")));
        assertEquals(1, delta(before, after, "respproxy_client_connections_accepted_total",
                Map.of("service", "orders", "listener", "read")));
        assertTrue(delta(before, after, "respproxy_client_received_bytes_total", Map.of("listener", "write")) > 10 * 30);
        assertTrue(delta(before, after, "respproxy_client_sent_bytes_total", Map.of("listener", "write")) >= 10 * 5);
        assertTrue(value(after, "respproxy_backend_connections", Map.of("node", master)) >= 1);
        assertTrue(value(after, "respproxy_backend_connections_opened_total", Map.of("node", master)) >= 1);
    }

    @Test
    void namesTypesAndLabelsFollowPrometheusConventions() {
        Map<String, PromText.Family> m = scrape();
        Map<String, String> types = Map.ofEntries(
                Map.entry("respproxy_client_connections", "gauge"),
                Map.entry("respproxy_client_connections_accepted_total", "counter"),
                Map.entry("respproxy_client_connections_rejected_total", "counter"),
                Map.entry("respproxy_client_received_bytes_total", "counter"),
                Map.entry("respproxy_client_sent_bytes_total", "counter"),
                Map.entry("respproxy_commands_total", "counter"),
                Map.entry("respproxy_command_duration_seconds", "histogram"),
                Map.entry("respproxy_commands_maybe_applied_total", "counter"),
                Map.entry("respproxy_retries_total", "counter"),
                Map.entry("respproxy_redirects_total", "counter"),
                Map.entry("respproxy_failovers_total", "counter"),
                Map.entry("respproxy_failover_discarded_bytes_total", "counter"),
                Map.entry("respproxy_failovers_discarding_total", "counter"),
                Map.entry("respproxy_held_commands", "gauge"),
                Map.entry("respproxy_holds_total", "counter"),
                Map.entry("respproxy_hold_timeouts_total", "counter"),
                Map.entry("respproxy_hold_duration_seconds", "histogram"),
                Map.entry("respproxy_topology_version", "gauge"),
                Map.entry("respproxy_topology_age_seconds", "gauge"),
                Map.entry("respproxy_service_ready", "gauge"),
                Map.entry("respproxy_shards_without_master", "gauge"),
                Map.entry("respproxy_node_up", "gauge"),
                Map.entry("respproxy_replica_read_eligible", "gauge"),
                Map.entry("respproxy_replica_lag_seconds", "gauge"),
                Map.entry("respproxy_replica_lag_bytes", "gauge"),
                Map.entry("respproxy_backend_connections", "gauge"),
                Map.entry("respproxy_backend_connections_opened_total", "counter"),
                Map.entry("respproxy_backend_connections_closed_total", "counter"),
                Map.entry("respproxy_backend_connect_failures_total", "counter"),
                Map.entry("respproxy_backend_reconnects_total", "counter"),
                Map.entry("respproxy_backend_replication_waits_total", "counter"),
                Map.entry("respproxy_backend_replication_waits_short_total", "counter"),
                Map.entry("respproxy_backend_unconfirmed_writes_total", "counter"),
                Map.entry("respproxy_backend_sent_bytes_total", "counter"),
                Map.entry("respproxy_backend_received_bytes_total", "counter"),
                Map.entry("respproxy_backend_command_duration_seconds", "histogram"),
                Map.entry("respproxy_uptime_seconds", "gauge"),
                Map.entry("respproxy_services", "gauge"));
        types.forEach((name, type) -> {
            assertNotNull(m.get(name), "missing " + name);
            assertEquals(type, m.get(name).type(), name);
        });
        for (PromText.Family f : m.values()) {
            assertTrue(f.name().startsWith("respproxy_"), f.name());
            assertEquals("counter".equals(f.type()), f.name().endsWith("_total"), f.name() + " is a " + f.type());
            if ("histogram".equals(f.type())) {
                assertTrue(f.name().endsWith("_seconds"), f.name());
            }
            assertTrue(!f.help().isEmpty(), f.name() + " has no help");
        }
        assertLabels(m, "respproxy_client_connections", "service", "listener");
        assertLabels(m, "respproxy_client_connections_rejected_total", "service", "listener", "reason");
        assertLabels(m, "respproxy_commands_total", "service", "command", "outcome");
        assertLabels(m, "respproxy_command_duration_seconds", "service");
        assertLabels(m, "respproxy_redirects_total", "service", "kind");
        assertLabels(m, "respproxy_node_up", "service", "node", "role");
        assertLabels(m, "respproxy_backend_connections_closed_total", "service", "node", "reason");
        assertLabels(m, "respproxy_backend_command_duration_seconds", "service", "node");
        assertEquals(Set.of("maxclients", "protected_mode"), Set.copyOf(m.get("respproxy_client_connections_rejected_total")
                .samples().stream().map(s -> s.labels().get("reason")).toList()));

        Map<String, String> orders = Map.of("service", "orders");
        assertEquals(1, value(m, "respproxy_node_up", Map.of("node", node(redis.master()), "role", "master")));
        assertEquals(1, value(m, "respproxy_node_up", Map.of("node", node(redis.replicas().get(0)), "role", "replica")));
        assertEquals(1, value(m, "respproxy_service_ready", orders));
        assertEquals(0, value(m, "respproxy_shards_without_master", orders));
        assertTrue(value(m, "respproxy_topology_version", orders) >= 1);
        assertTrue(value(m, "respproxy_topology_age_seconds", orders) >= 0);
        assertTrue(value(m, "respproxy_replica_lag_bytes", Map.of("node", node(redis.replicas().get(0)))) >= 0);
        assertEquals(1, value(m, "respproxy_services", Map.of()));
    }

    private static void assertLabels(Map<String, PromText.Family> m, String family, String... labels) {
        PromText.Family f = m.get(family);
        assertTrue(!f.samples().isEmpty(), family + " has no samples");
        for (PromText.Sample s : f.samples()) {
            Set<String> names = new java.util.HashSet<>(s.labels().keySet());
            names.remove("le");
            assertEquals(Set.of(labels), names, s.toString());
        }
    }

    @Test
    void topologyShowsTheServiceAsTheProxyRoutesIt() {
        HttpResponse<String> r = proxy.get("/topology");
        assertEquals(200, r.statusCode());
        JsonObject orders = StrictJson.parse(r.body()).getAsJsonObject().getAsJsonObject("services")
                .getAsJsonObject("orders");
        assertEquals("static", orders.get("mode").getAsString());
        JsonObject shard = orders.getAsJsonArray("shards").get(0).getAsJsonObject();
        assertEquals(node(redis.master()), shard.get("master").getAsString());
        JsonArray replicas = shard.getAsJsonArray("replicas");
        assertEquals(1, replicas.size(), replicas.toString());
        assertEquals(node(redis.replicas().get(0)), replicas.get(0).getAsJsonObject().get("node").getAsString());
        assertTrue(replicas.get(0).getAsJsonObject().get("eligible").getAsBoolean());
        JsonArray nodes = orders.getAsJsonArray("nodes");
        assertEquals(2, nodes.size());
        JsonObject replica = null;
        for (int i = 0; i < nodes.size(); i++) {
            // by address: the nodes come in the health monitor's order, not master first
            if (node(redis.replicas().get(0)).equals(nodes.get(i).getAsJsonObject().get("node").getAsString())) {
                replica = nodes.get(i).getAsJsonObject();
            }
        }
        assertTrue(replica != null, nodes.toString());
        assertEquals("replica", replica.get("role").getAsString());
        assertTrue(replica.get("up").getAsBoolean());
        assertEquals(node(redis.master()), replica.get("master").getAsString());
        assertTrue(replica.get("lag_bytes").getAsLong() >= 0, replica.toString());
        System.out.println("MetricsIT /topology: " + r.body());
    }

    private static double delta(Map<String, PromText.Family> before, Map<String, PromText.Family> after, String family,
                                Map<String, String> labels) {
        return MetricsITValues.delta(before, after, family, family, labels);
    }

    private static double delta(Map<String, PromText.Family> before, Map<String, PromText.Family> after, String family,
                                String sample, Map<String, String> labels) {
        return MetricsITValues.delta(before, after, family, sample, labels);
    }
}
