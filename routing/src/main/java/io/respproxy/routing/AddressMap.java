package io.respproxy.routing;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code nat} setting: addresses nodes announce (in INFO, Sentinel replies, CLUSTER SHARDS)
 * mapped to the addresses the proxy reaches them at, for NAT, port-forwarding and Kubernetes.
 * Applied once, where a source learns an address; everything after (pools, health state, the
 * topology) uses the reachable form. An exact {@code host:port} entry wins over a host-only
 * entry, which keeps the port; an address with no entry is reachable as announced. Hosts are
 * names or IP literals, compared as written (case-insensitively), never resolved.
 */
public final class AddressMap {

    /** No rewriting. */
    public static final AddressMap NONE = new AddressMap(Map.of(), Map.of());

    /** Most rewrites remembered for {@link #applied()}: a bound whatever a cluster announces. */
    private static final int MAX_APPLIED = 1024;

    private final Map<NodeAddress, NodeAddress> exact;
    private final Map<String, String> hosts;
    /**
     * Rewrites this map has made, announced to reachable, for the admin view: what the map did, not
     * only what it says. The one mutable part; it never changes what {@link #reachable} returns.
     */
    private final Map<NodeAddress, NodeAddress> applied = new java.util.concurrent.ConcurrentHashMap<>();

    private AddressMap(Map<NodeAddress, NodeAddress> exact, Map<String, String> hosts) {
        this.exact = Map.copyOf(exact);
        this.hosts = Map.copyOf(hosts);
    }

    /**
     * @param exact announced {@code host:port} to reachable {@code host:port}
     * @param hosts announced host to reachable host, the port kept (keys and values without port)
     */
    public static AddressMap of(Map<NodeAddress, NodeAddress> exact, Map<String, String> hosts) {
        Map<String, String> normalized = new LinkedHashMap<>();
        hosts.forEach((from, to) -> normalized.put(host(from), host(to)));
        return exact.isEmpty() && hosts.isEmpty() ? NONE : new AddressMap(exact, normalized);
    }

    /** Only exact {@code host:port} entries. */
    public static AddressMap of(Map<NodeAddress, NodeAddress> exact) {
        return of(exact, Map.of());
    }

    /** Where the proxy reaches a node that announces itself as {@code announced}. */
    public NodeAddress reachable(NodeAddress announced) {
        NodeAddress to = exact.get(announced);
        if (to == null) {
            String host = hosts.get(announced.host());
            if (host == null) {
                return announced;
            }
            to = new NodeAddress(host, announced.port());
        }
        if (!to.equals(announced) && !to.equals(applied.get(announced)) && applied.size() < MAX_APPLIED) {
            applied.put(announced, to);
        }
        return to;
    }

    /** The exact {@code host:port} entries, announced to reachable. */
    public Map<NodeAddress, NodeAddress> exactEntries() {
        return exact;
    }

    /** The host-only entries (lower case), announced to reachable; ports are kept. */
    public Map<String, String> hostEntries() {
        return hosts;
    }

    /**
     * The rewrites made so far (announced address to reachable), for the admin view: which
     * addresses nodes, Sentinels or the cluster actually announced that this map changed.
     */
    public Map<NodeAddress, NodeAddress> applied() {
        return Map.copyOf(applied);
    }

    /** {@link #reachable(NodeAddress)} for an address given as host and port (e.g. from INFO). */
    public NodeAddress reachable(String host, int port) {
        return reachable(new NodeAddress(host, port));
    }

    public boolean isEmpty() {
        return exact.isEmpty() && hosts.isEmpty();
    }

    /** For log lines: {@code reachable (announced as ...)} when the map rewrote it, else the address. */
    public String describe(NodeAddress announced) {
        NodeAddress to = reachable(announced);
        return to.equals(announced) ? announced.toString() : to + " (announced as " + announced + ")";
    }

    private static String host(String h) {
        String s = Objects.requireNonNull(h, "host").trim();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            // One colon is host:port; a bare IPv6 literal has several.
            throw new IllegalArgumentException("expected a host without port, got '" + h + "'");
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        return s.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "AddressMap{" + exact + ", " + hosts + "}";
    }
}
