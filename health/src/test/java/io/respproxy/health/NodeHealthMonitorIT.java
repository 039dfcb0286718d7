package io.respproxy.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.respproxy.routing.AddressMap;
import io.respproxy.routing.NodeAddress;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.RedisTopologies;
import io.respproxy.testkit.ReplicatedRedis;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The monitor against real redis-servers, with full probes every 10 s so that whatever happens
 * sooner is the work of role checks, server-close handling or passive-mark verification.
 */
class NodeHealthMonitorIT {

    static final HealthSettings SLOW_PROBES = new HealthSettings(Duration.ofSeconds(10), Duration.ofSeconds(1), 2, 3,
            Duration.ofSeconds(10), 0, Duration.ofMillis(100));

    @Test
    void aKilledConnectionOrReadOnlyPutsTheRoleInDoubtUntilCheckedAndAPromotionIsSeenByRoleChecks() throws Exception {
        try (ReplicatedRedis redis = RedisTopologies.replicated().replicas(1).password("pw").start();
             Monitored m = new Monitored(redis)) {
            NodeAddress replica = m.address(redis.replicas().get(0));
            NodeAddress master = m.address(redis.master());
            m.await("both up, roles known", s -> s.size() == 2 && s.stream().allMatch(n -> n.up() && n.replication() != null));

            // What Sentinel does to the replica it promotes: its role is in doubt until checked again.
            m.history.clear();
            direct(redis.replicas().get(0), c -> c.sync().clientKill(KillArgs.Builder.typeNormal().skipme()));
            m.await("the doubt to be raised and cleared", s -> !state(s, replica).roleInDoubt()
                    && m.history.stream().anyMatch(h -> state(h, replica).roleInDoubt()));
            assertTrue(state(m.monitor.states(), replica).up(), "a node that closed our connection is not down");
            assertTrue(m.history.stream().noneMatch(h -> state(h, master).roleInDoubt()), "only the replica's role");

            direct(redis.replicas().get(0), c -> c.sync().replicaofNoOne());
            List<NodeState> seen = m.await("the replica's promotion (before the next full probe, 10 s away)",
                    s -> state(s, replica).isMaster());
            assertTrue(state(seen, replica).replication().continues(state(seen, master).replication()),
                    "the promoted node continues the master's history");

            // A master that answers -READONLY is not published as master until a check says what it is.
            m.history.clear();
            m.monitor.reportReadOnly(master);
            m.await("the -READONLY doubt to be raised and cleared", s -> !state(s, master).roleInDoubt()
                    && m.history.stream().anyMatch(h -> state(h, master).roleInDoubt()));
        }
    }

    @Test
    void aPassiveMarkIsWithdrawnForALiveNodeAndKeptForADeadOne() throws Exception {
        try (ReplicatedRedis redis = RedisTopologies.replicated().replicas(1).password("pw").start();
             Monitored m = new Monitored(redis)) {
            NodeAddress master = m.address(redis.master());
            NodeAddress replica = m.address(redis.replicas().get(0));
            m.await("both up", s -> s.size() == 2 && s.stream().allMatch(NodeState::up));

            m.history.clear();
            m.monitor.markDown(master, "test: dropped connection");
            m.await("the mark to be withdrawn by the verify probe (rise would take 20 s)",
                    s -> state(s, master).up() && m.history.stream().anyMatch(h -> !state(h, master).up()));

            redis.replicas().get(0).kill();
            m.history.clear();
            m.monitor.markDown(replica, "test: reset");
            m.await("the verify probe's answer", s -> !state(s, replica).roleInDoubt()
                    && m.history.stream().anyMatch(h -> state(h, replica).roleInDoubt()));
            Thread.sleep(500);
            assertFalse(state(m.monitor.states(), replica).up(), "a dead node stays down");
            assertTrue(state(m.monitor.states(), master).up());
        }
    }

    private static NodeState state(List<NodeState> states, NodeAddress node) {
        return states.stream().filter(s -> s.address().equals(node)).findFirst()
                .orElseThrow(() -> new AssertionError(node + " not watched: " + states));
    }

    private static void direct(RedisNode node, Consumer<StatefulRedisConnection<String, String>> action) {
        RedisClient client = RedisClient.create(node.redisUri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            action.accept(c);
        } finally {
            client.shutdown();
        }
    }

    /** A monitor over a topology's nodes, recording every state list it hands out. */
    private static final class Monitored implements AutoCloseable {
        final NodeHealthMonitor monitor = new NodeHealthMonitor("it", SLOW_PROBES, AddressMap.NONE, null,
                "pw".toCharArray());
        final List<List<NodeState>> history = new CopyOnWriteArrayList<>();

        Monitored(ReplicatedRedis redis) {
            List<NodeAddress> nodes = List.of(address(redis.master()), address(redis.replicas().get(0)));
            monitor.start(nodes, history::add);
        }

        NodeAddress address(RedisNode n) {
            return new NodeAddress("127.0.0.1", n.port());
        }

        List<NodeState> await(String what, Predicate<List<NodeState>> condition) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline) {
                List<NodeState> now = monitor.states();
                if (!now.isEmpty() && condition.test(now)) {
                    return now;
                }
                Thread.sleep(10);
            }
            throw new AssertionError("within 5 s: " + what + "; states " + monitor.states());
        }

        @Override
        public void close() {
            monitor.close();
        }
    }
}
