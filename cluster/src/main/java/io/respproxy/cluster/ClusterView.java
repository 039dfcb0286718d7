package io.respproxy.cluster;

import io.respproxy.routing.AddressMap;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Topology;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One node's answer to "who serves which slots": its {@code CLUSTER SHARDS} (Redis 7+) or
 * {@code CLUSTER SLOTS} (Redis 6.2), parsed from the RESP2 shape Lettuce hands over (nested
 * lists, maps flattened to key-value lists). Addresses are already mapped through the service's
 * {@code nat} map: everything after parsing uses addresses the proxy can reach.
 *
 * @param shards shards that own at least one slot, in the order of their lowest slot
 * @param epoch  the answering node's {@code cluster_current_epoch} (0 when unknown)
 */
record ClusterView(List<ViewShard> shards, long epoch) {

    ClusterView {
        shards = List.copyOf(shards);
    }

    /**
     * A node as the view lists it.
     *
     * @param id      the cluster node id
     * @param address where the proxy reaches it (mapped)
     * @param serving false when the view says it failed or is loading (SHARDS {@code health})
     */
    record ViewNode(String id, NodeAddress address, boolean serving) {}

    /**
     * A master and its replicas, and the slot ranges the master owns.
     *
     * @param ranges pairs of inclusive bounds: {@code ranges[2i]..ranges[2i+1]}
     */
    record ViewShard(int[] ranges, ViewNode master, List<ViewNode> replicas) {
        ViewShard {
            replicas = List.copyOf(replicas);
        }

        int lowestSlot() {
            int low = Integer.MAX_VALUE;
            for (int i = 0; i < ranges.length; i += 2) {
                low = Math.min(low, ranges[i]);
            }
            return low;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ViewShard s && Arrays.equals(ranges, s.ranges) && master.equals(s.master)
                    && replicas.equals(s.replicas);
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.hashCode(ranges), master, replicas);
        }
    }

    /** Same masters owning the same slots (replicas and health aside): the views route alike. */
    boolean sameSlotOwners(ClusterView other) {
        if (shards.size() != other.shards.size()) {
            return false;
        }
        for (int i = 0; i < shards.size(); i++) {
            ViewShard a = shards.get(i);
            ViewShard b = other.shards.get(i);
            if (!Arrays.equals(a.ranges, b.ranges) || !a.master.id().equals(b.master.id())
                    || !a.master.address().equals(b.master.address())) {
                return false;
            }
        }
        return true;
    }

    /** True when {@code address} is a master or replica of this view. */
    boolean hasNode(NodeAddress address) {
        return shards.stream().anyMatch(s -> s.master.address().equals(address)
                || s.replicas.stream().anyMatch(r -> r.address().equals(address)));
    }

    /** True when {@code address} is a master of this view. */
    boolean isMaster(NodeAddress address) {
        return shards.stream().anyMatch(s -> s.master.address().equals(address));
    }

    /** Slots no shard owns. */
    int unownedSlots() {
        boolean[] owned = new boolean[16384];
        int count = 0;
        for (ViewShard s : shards) {
            for (int i = 0; i < s.ranges.length; i += 2) {
                for (int slot = s.ranges[i]; slot <= s.ranges[i + 1]; slot++) {
                    if (!owned[slot]) {
                        owned[slot] = true;
                        count++;
                    }
                }
            }
        }
        return 16384 - count;
    }

    /**
     * The snapshot's slot table: each slot's shard (its index in {@link #shards()}), -1 where none
     * owns it; then {@code moved} (slot -> the master a MOVED named) on top, for masters of this view.
     */
    short[] slotOwners(Map<Integer, NodeAddress> moved) {
        short[] owner = new short[Topology.SLOTS];
        Arrays.fill(owner, (short) -1);
        Map<NodeAddress, Integer> byMaster = new HashMap<>();
        for (int i = 0; i < shards.size(); i++) {
            ViewShard s = shards.get(i);
            byMaster.put(s.master.address(), i);
            for (int k = 0; k < s.ranges.length; k += 2) {
                Arrays.fill(owner, s.ranges[k], s.ranges[k + 1] + 1, (short) i);
            }
        }
        moved.forEach((slot, node) -> {
            Integer shard = byMaster.get(node);
            if (shard != null) {
                owner[slot] = shard.shortValue();
            }
        });
        return owner;
    }

    /** For the log: each master with its slot ranges and replica count, and the slots no one owns. */
    String describe() {
        StringBuilder sb = new StringBuilder();
        for (ViewShard s : shards) {
            sb.append(sb.length() == 0 ? "" : ", ").append(s.master().address()).append(" [");
            int[] r = s.ranges();
            for (int k = 0; k < r.length; k += 2) {
                sb.append(k == 0 ? "" : " ").append(r[k]).append(r[k] == r[k + 1] ? "" : "-" + r[k + 1]);
            }
            sb.append("] + ").append(s.replicas().size()).append(" replica").append(s.replicas().size() == 1 ? "" : "s");
        }
        int unowned = unownedSlots();
        return sb + (unowned > 0 ? "; " + unowned + " slots unowned" : "");
    }

    /**
     * Parses {@code CLUSTER SHARDS}: per shard a map of {@code slots} (flat start/end pairs) and
     * {@code nodes} (maps of id, endpoint, ip, port or tls-port, role, health).
     *
     * @param answeredBy the node that answered, for an endpoint it reports as unknown ("?" / "")
     */
    static ClusterView fromShards(List<?> reply, long epoch, NodeAddress answeredBy, AddressMap nat) {
        List<ViewShard> out = new ArrayList<>();
        for (Object entry : reply) {
            Map<String, Object> shard = map(entry);
            List<?> slots = list(shard.get("slots"));
            if (slots.isEmpty()) {
                continue; // a master without slots (emptied by resharding) serves nothing
            }
            int[] ranges = ranges(slots);
            if (ranges == null) {
                continue; // not pairs of slots in 0..16383: nothing to route by
            }
            ViewNode master = null;
            List<ViewNode> replicas = new ArrayList<>();
            for (Object n : list(shard.get("nodes"))) {
                Map<String, Object> node = map(n);
                Object portValue = node.containsKey("port") ? node.get("port") : node.get("tls-port");
                if (portValue == null || number(portValue) <= 0 || number(portValue) > 65535) {
                    // A node Redis knows no address for (one that restarted with a new id at the same
                    // address leaves its old entry like this): nothing to reach, the rest still count.
                    continue;
                }
                NodeAddress address = nat.reachable(new NodeAddress(shardsHost(node, answeredBy),
                        (int) number(portValue)));
                String health = String.valueOf(text(node.get("health"))).toLowerCase(Locale.ROOT);
                ViewNode vn = new ViewNode(text(node.get("id")), address, health.equals("online"));
                if ("master".equals(text(node.get("role"))) && (master == null || (!master.serving() && vn.serving()))) {
                    master = vn; // of two, the one that serves (a failed master may linger in the list)
                } else if (!"master".equals(text(node.get("role")))) {
                    replicas.add(vn);
                }
            }
            if (master != null) {
                out.add(new ViewShard(ranges, master, replicas));
            }
        }
        return new ClusterView(sorted(out), epoch);
    }

    /**
     * The host of a SHARDS node: its {@code endpoint} (what {@code cluster-preferred-endpoint-type}
     * picks: the IP, the hostname). {@code ?} means hostnames are preferred but this node has none:
     * its {@code ip} is the best there is. An empty endpoint beside an IP means
     * {@code unknown-endpoint} (nodes behind a load balancer, whose own IPs are not for clients):
     * the host the proxy asked, as for an empty -MOVED host (seen on 7.0.15: {@code endpoint ""},
     * {@code -MOVED 12182 :9403}). A node that knows no IP of its own says "" for both.
     */
    private static String shardsHost(Map<String, Object> node, NodeAddress answeredBy) {
        String endpoint = text(node.get("endpoint"));
        if (endpoint != null && endpoint.isEmpty()) {
            return answeredBy.host();
        }
        if (endpoint != null && !endpoint.equals("?")) {
            return endpoint;
        }
        String ip = text(node.get("ip"));
        return ip == null || ip.isEmpty() || ip.equals("?") ? answeredBy.host() : ip;
    }

    /**
     * Parses {@code CLUSTER SLOTS}: per slot range {@code [start, end, master, replica...]}, each
     * node {@code [host, port, id, ...]}; ranges of one master are merged into one shard.
     */
    static ClusterView fromSlots(List<?> reply, long epoch, NodeAddress answeredBy, AddressMap nat) {
        Map<String, ViewShard> byMaster = new LinkedHashMap<>();
        for (Object entry : reply) {
            List<?> range = list(entry);
            if (range.size() < 3) {
                continue;
            }
            int[] bounds = ranges(range.subList(0, 2));
            ViewNode master = slotsNode(range.get(2), answeredBy, nat);
            if (bounds == null || master == null) {
                continue;
            }
            int start = bounds[0];
            int end = bounds[1];
            List<ViewNode> replicas = new ArrayList<>();
            for (int i = 3; i < range.size(); i++) {
                ViewNode r = slotsNode(range.get(i), answeredBy, nat);
                if (r != null) {
                    replicas.add(r);
                }
            }
            ViewShard known = byMaster.get(master.id());
            int[] ranges = known == null ? new int[] {start, end} : append(known.ranges, start, end);
            byMaster.put(master.id(), new ViewShard(ranges, master, known == null ? replicas : known.replicas));
        }
        return new ClusterView(sorted(new ArrayList<>(byMaster.values())), epoch);
    }

    /** A SLOTS node entry, or null when it has no usable port. */
    private static ViewNode slotsNode(Object entry, NodeAddress answeredBy, AddressMap nat) {
        List<?> node = list(entry);
        if (node.size() < 2 || node.get(1) == null || number(node.get(1)) <= 0 || number(node.get(1)) > 65535) {
            return null;
        }
        String host = text(node.get(0));
        if (host == null || host.isEmpty() || host.equals("?")) {
            host = answeredBy.host();
        }
        String id = node.size() > 2 ? text(node.get(2)) : host + ":" + number(node.get(1));
        return new ViewNode(id, nat.reachable(new NodeAddress(host, (int) number(node.get(1)))), true);
    }

    /** Flat start/end pairs within 0..16383, or null when they are not. */
    private static int[] ranges(List<?> slots) {
        if (slots.size() % 2 != 0) {
            return null;
        }
        int[] ranges = new int[slots.size()];
        for (int i = 0; i < ranges.length; i++) {
            long v = number(slots.get(i));
            if (v < 0 || v >= 16384) {
                return null;
            }
            ranges[i] = (int) v;
        }
        for (int i = 0; i < ranges.length; i += 2) {
            if (ranges[i] > ranges[i + 1]) {
                return null;
            }
        }
        return ranges;
    }

    private static int[] append(int[] ranges, int start, int end) {
        int[] out = Arrays.copyOf(ranges, ranges.length + 2);
        out[ranges.length] = start;
        out[ranges.length + 1] = end;
        return out;
    }

    private static List<ViewShard> sorted(List<ViewShard> shards) {
        shards.sort((a, b) -> Integer.compare(a.lowestSlot(), b.lowestSlot()));
        return shards;
    }

    /** A RESP2 map (flat key-value list) or a RESP3 map as Lettuce may return it. */
    private static Map<String, Object> map(Object o) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(text(k), v));
            return out;
        }
        List<?> l = list(o);
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i + 1 < l.size(); i += 2) {
            out.put(text(l.get(i)), l.get(i + 1));
        }
        return out;
    }

    private static List<?> list(Object o) {
        if (o instanceof List<?> l) {
            return l;
        }
        if (o == null) {
            return List.of();
        }
        throw new IllegalArgumentException("expected a list, got " + o.getClass().getSimpleName());
    }

    private static String text(Object o) {
        if (o == null) {
            return null;
        }
        if (o instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if (o instanceof java.nio.ByteBuffer b) {
            return StandardCharsets.UTF_8.decode(b.duplicate()).toString();
        }
        return o.toString();
    }

    private static long number(Object o) {
        if (o instanceof Number n) {
            return n.longValue();
        }
        String s = text(o);
        if (s == null) {
            throw new IllegalArgumentException("missing number");
        }
        return Long.parseLong(s.trim());
    }
}
