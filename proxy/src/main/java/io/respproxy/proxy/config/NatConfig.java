package io.respproxy.proxy.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A service's {@code nat} setting: where the proxy reaches nodes that announce another address
 * (NAT, port-forwarding, Kubernetes). An exact entry wins over a host entry; an address matching
 * neither is reachable as announced.
 *
 * @param exact announced {@code host:port} to reachable {@code host:port}
 * @param hosts announced host to reachable host, the port kept (hosts as written, IPv6 without
 *              brackets); compared case-insensitively where the map is applied
 */
public record NatConfig(Map<HostPort, HostPort> exact, Map<String, String> hosts) {

    /** No entries. */
    public static final NatConfig NONE = new NatConfig(Map.of(), Map.of());

    public NatConfig {
        exact = Collections.unmodifiableMap(new LinkedHashMap<>(exact));
        hosts = Collections.unmodifiableMap(new LinkedHashMap<>(hosts));
    }

    public boolean isEmpty() {
        return exact.isEmpty() && hosts.isEmpty();
    }

    /** How many entries, of both kinds. */
    public int size() {
        return exact.size() + hosts.size();
    }
}
