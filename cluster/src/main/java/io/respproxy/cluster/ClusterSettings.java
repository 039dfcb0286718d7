package io.respproxy.cluster;

import io.respproxy.routing.NodeAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a service learns its cluster's slot map.
 *
 * @param seeds           nodes to ask first, as configured (the {@code nat} map applies); the rest are learned
 * @param user            ACL user for the queries (the data nodes' credentials), or null
 * @param password        password for the queries, or null (kept in memory only, never logged)
 * @param timeout         connect and command timeout of each query
 * @param refreshInterval the safety-net re-query of a settled cluster (redirects trigger one at once)
 */
public record ClusterSettings(List<NodeAddress> seeds, String user, char[] password, Duration timeout,
                              Duration refreshInterval) {

    /** While unsettled (a shard without master, nodes disagreeing) the nodes are asked this often. */
    static final Duration UNSETTLED_REFRESH = Duration.ofMillis(100);

    public ClusterSettings {
        seeds = List.copyOf(seeds);
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("at least one seed node");
        }
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(refreshInterval, "refreshInterval");
        password = password == null ? null : password.clone();
    }

    @Override
    public String toString() {
        // never the password
        return "ClusterSettings{" + seeds + (password != null ? ", auth" : "") + "}";
    }
}
