package io.respproxy.routing;

import java.util.Locale;
import java.util.Objects;

/**
 * A Redis node's address as the proxy dials it: host (name, IPv4 or IPv6 literal) and port.
 * Equal addresses are the same backend: pools, health state and NAT mappings are keyed by it.
 */
public record NodeAddress(String host, int port) implements Comparable<NodeAddress> {

    public NodeAddress {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        host = host.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    @Override
    public int compareTo(NodeAddress o) {
        int c = host.compareTo(o.host);
        return c != 0 ? c : Integer.compare(port, o.port);
    }
}
