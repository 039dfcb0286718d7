package io.respproxy.testkit;

import io.lettuce.core.Range;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Builds a cluster from fresh nodes with plain commands, as a Lettuce-based bootstrap (or
 * {@code redis-cli --cluster create}) does: distinct config epochs, CLUSTER MEET, slot ranges,
 * CLUSTER REPLICATE, then waits until every node agrees.
 */
final class ClusterBootstrap {

    static final int SLOTS = 16384;

    private final List<RedisNode> masters;
    private final List<RedisNode> replicas;
    private final boolean hasAddSlotsRange;
    private final Duration timeout;
    private final Function<RedisNode, NodeAnnounce> announced;

    /**
     * Masters first, then replicas; replica {@code i} replicates master {@code i % masters}.
     *
     * @param announced how a node announces itself (null: where it listens); nodes meet there
     */
    ClusterBootstrap(List<RedisNode> masters, List<RedisNode> replicas, RedisVersion version, Duration timeout,
                     Function<RedisNode, NodeAnnounce> announced) {
        this.masters = masters;
        this.replicas = replicas;
        this.hasAddSlotsRange = version.isAtLeast(7, 0);
        this.timeout = timeout;
        this.announced = announced;
    }

    void run() {
        List<RedisNode> all = Stream.concat(masters.stream(), replicas.stream()).toList();
        // Distinct epochs up front, so slot ownership never has to be settled by epoch collision handling.
        for (int i = 0; i < all.size(); i++) {
            long epoch = i + 1;
            call(all.get(i), c -> c.clusterSetConfigEpoch(epoch));
        }
        RedisNode first = all.get(0);
        for (RedisNode n : all.subList(1, all.size())) {
            meet(first, n, announced.apply(n));
        }
        for (int i = 0; i < masters.size(); i++) {
            int from = i * SLOTS / masters.size();
            int to = (i + 1) * SLOTS / masters.size() - 1;
            addSlots(masters.get(i), from, to);
        }
        awaitAllKnown(all, timeout);
        for (int i = 0; i < replicas.size(); i++) {
            String masterId = nodeId(masters.get(i % masters.size()));
            call(replicas.get(i), c -> c.clusterReplicate(masterId));
        }
        awaitSettled(all, masters.size(), replicas.size(), timeout);
    }

    /**
     * {@code CLUSTER MEET} sent to {@code first}, at the address {@code n} announces, its bus port
     * included: behind NAT the bus is announced (and relayed) apart from the client port, not at
     * {@code port + 10000}.
     *
     * @param a how {@code n} announces itself, or null: where it listens
     */
    static void meet(RedisNode first, RedisNode n, NodeAnnounce a) {
        if (a == null || a.busPort() == 0) {
            RedisEndpoint at = a == null ? n.endpoint() : a.ipEndpoint();
            call(first, c -> c.clusterMeet(at.host(), at.port()));
            return;
        }
        RedisEndpoint at = a.ipEndpoint();
        // Lettuce's clusterMeet has no bus port argument (CLUSTER MEET ip port [cluster-bus-port], 7.0+)
        call(first, c -> c.dispatch(CommandType.CLUSTER, new StatusOutput<>(StringCodec.UTF8),
                new CommandArgs<>(StringCodec.UTF8).add("MEET").add(at.host()).add(at.port()).add(a.busPort())));
    }

    @SuppressWarnings("unchecked") // Lettuce's clusterAddSlotsRange(Range<Integer>...) varargs of a generic type
    private void addSlots(RedisNode master, int from, int to) {
        if (hasAddSlotsRange) {
            call(master, c -> c.clusterAddSlotsRange(Range.create(from, to)));
        } else {
            // Redis 6.2 has no ADDSLOTSRANGE
            int[] slots = IntStream.rangeClosed(from, to).toArray();
            call(master, c -> c.clusterAddSlots(slots));
        }
    }

    /** Waits until each of {@code all} lists all of them, none failed or still in handshake. */
    static void awaitAllKnown(List<RedisNode> all, Duration timeout) {
        all.forEach(n -> Poll.untilTrue(timeout, n + " to know all " + all.size() + " nodes", () ->
                nodesSeenBy(n).stream().filter(l -> !l.isUnsettled()).count() == all.size()));
    }

    /**
     * Waits until every node says cluster_state:ok and sees the expected masters and replicas with
     * nothing failed, and every replica is in sync.
     */
    static void awaitSettled(List<RedisNode> nodes, int masterCount, int replicaCount, Duration timeout) {
        for (RedisNode n : nodes) {
            Poll.untilTrue(timeout, n + " to report cluster_state:ok with " + masterCount + " masters and "
                    + replicaCount + " replicas", () -> {
                Map<String, String> info = Info.cluster(n);
                List<ClusterNodesLine> view = nodesSeenBy(n);
                return "ok".equals(info.get("cluster_state"))
                        && Integer.toString(SLOTS).equals(info.get("cluster_slots_ok"))
                        && view.stream().noneMatch(ClusterNodesLine::isUnsettled)
                        && view.stream().filter(ClusterNodesLine::isMaster).count() == masterCount
                        && view.stream().filter(ClusterNodesLine::isReplica).count() == replicaCount;
            });
        }
        for (RedisNode n : nodes) {
            if (Info.replication(n).get("role").equals("slave")) {
                Info.awaitInSync(n, timeout);
            }
        }
    }

    static List<ClusterNodesLine> nodesSeenBy(RedisNode n) {
        return ClusterNodesLine.parseAll(call(n, c -> c.clusterNodes()));
    }

    static String nodeId(RedisNode n) {
        return call(n, c -> c.clusterMyId());
    }

    private static <T> T call(RedisNode n, Function<RedisCommands<String, String>, T> fn) {
        return n.admin().call(n.endpoint(), n.auth(), fn);
    }
}
