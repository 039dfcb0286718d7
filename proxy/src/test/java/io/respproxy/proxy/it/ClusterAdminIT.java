package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.respproxy.proxy.metrics.PromText;
import io.respproxy.proxy.server.StrictJson;
import io.respproxy.testkit.RedisCluster;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The admin views of a cluster service: /topology lists every shard with its slot ranges (all
 * 16384 slots, once) and its replica; /metrics counts commands over the whole cluster and times
 * every master.
 */
class ClusterAdminIT {

    private static RedisNode byAddress(RedisCluster c, String address) {
        java.util.List<RedisNode> all = new java.util.ArrayList<>(c.masters());
        all.addAll(c.replicas());
        return all.stream().filter(n -> address.equals("127.0.0.1:" + n.port())).findFirst()
                .orElseThrow(() -> new AssertionError("no node " + address));
    }

    @Test
    void topologyAndMetricsOfACluster() throws Exception {
        try (RedisCluster c = RedisTopologies.cluster().password(ProxyFixture.BACKEND_PASSWORD).start();
             AdminFixture proxy = AdminFixture.cluster(c)) {
            proxy.awaitReadyz(200, Duration.ofSeconds(30));
            int replicasPerShard = c.replicas().size() / c.masters().size();
            JsonObject[] orders = new JsonObject[1];
            ProxyFixture.await(Duration.ofSeconds(30), "every replica serving reads", () -> {
                orders[0] = StrictJson.parse(proxy.get("/topology").body()).getAsJsonObject()
                        .getAsJsonObject("services").getAsJsonObject("orders");
                for (JsonElement s : orders[0].getAsJsonArray("shards")) {
                    JsonArray replicas = s.getAsJsonObject().getAsJsonArray("replicas");
                    if (replicas.size() != replicasPerShard) {
                        return false;
                    }
                    for (JsonElement r : replicas) {
                        if (!r.getAsJsonObject().get("eligible").getAsBoolean()) {
                            return false;
                        }
                    }
                }
                return true;
            });
            assertEquals("cluster", orders[0].get("mode").getAsString());
            JsonArray shards = orders[0].getAsJsonArray("shards");
            assertEquals(c.masters().size(), shards.size());
            Set<String> masters = new HashSet<>();
            for (RedisNode m : c.masters()) {
                masters.add("127.0.0.1:" + m.port());
            }
            boolean[] covered = new boolean[16384];
            for (JsonElement e : shards) {
                JsonObject s = e.getAsJsonObject();
                assertTrue(masters.remove(s.get("master").getAsString()), s.toString());
                for (JsonElement range : s.getAsJsonArray("slots")) {
                    int from = range.getAsJsonArray().get(0).getAsInt();
                    int to = range.getAsJsonArray().get(1).getAsInt();
                    for (int slot = from; slot <= to; slot++) {
                        assertTrue(!covered[slot], "slot " + slot + " twice");
                        covered[slot] = true;
                    }
                }
                RedisNode master = byAddress(c, s.get("master").getAsString());
                for (JsonElement r : s.getAsJsonArray("replicas")) {
                    RedisNode replica = byAddress(c, r.getAsJsonObject().get("node").getAsString());
                    assertTrue(c.replicasOf(master).contains(replica), replica + " listed under " + master);
                }
            }
            for (int slot = 0; slot < 16384; slot++) {
                assertTrue(covered[slot], "slot " + slot + " in no shard");
            }
            assertEquals(c.masters().size() + c.replicas().size(), orders[0].getAsJsonArray("nodes").size());

            Map<String, PromText.Family> before = PromText.parse(proxy.get("/metrics").body());
            try (Jedis w = new Jedis("127.0.0.1", proxy.writePort, 10_000)) {
                for (int i = 0; i < 100; i++) {
                    assertEquals("OK", w.set("cluster-metrics:" + i, "v"));
                }
            }
            Map<String, PromText.Family> after = PromText.parse(proxy.get("/metrics").body());
            assertEquals(100, MetricsITValues.delta(before, after, "respproxy_commands_total", "respproxy_commands_total",
                    Map.of("command", "set", "outcome", "ok")));
            for (RedisNode m : c.masters()) {
                assertTrue(MetricsITValues.delta(before, after, "respproxy_backend_command_duration_seconds",
                        "respproxy_backend_command_duration_seconds_count", Map.of("node", "127.0.0.1:" + m.port())) > 10,
                        "every master answered some of the SETs: " + m);
            }
            assertEquals(0, MetricsITValues.value(after, "respproxy_shards_without_master", "respproxy_shards_without_master",
                    Map.of("service", "orders")));
            assertEquals(c.masters().size(), after.get("respproxy_node_up").find("respproxy_node_up",
                    Map.of("role", "master")).stream().filter(s -> s.value() == 1).count());
            System.out.println("ClusterAdminIT /topology: " + orders[0]);
        }
    }
}
