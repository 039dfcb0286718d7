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

    private final Map<NodeAddress, NodeAddress> exact;
    private final Map<String, String> hosts;

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
        if (to != null) {
            return to;
        }
        String host = hosts.get(announced.host());
        return host == null ? announced : new NodeAddress(host, announced.port());
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
