package io.respproxy.proxy.backend;

import io.respproxy.routing.NodeAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link NodeStats} of one service's backend nodes, shared by its pools. Looked up when a
 * connection opens, never per command: the connection keeps its node's stats.
 */
public final class BackendStats {

    private final Map<NodeAddress, NodeStats> nodes = new ConcurrentHashMap<>();

    /** The stats of {@code node}, created on first use. Any thread. */
    public NodeStats node(NodeAddress node) {
        NodeStats s = nodes.get(node);
        return s != null ? s : nodes.computeIfAbsent(node, n -> new NodeStats());
    }

    /** Every node seen so far, by address (a snapshot-consistent view; any thread). */
    public Map<NodeAddress, NodeStats> nodes() {
        return java.util.Collections.unmodifiableMap(nodes);
    }
}
