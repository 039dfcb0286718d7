package io.respproxy.proxy.config;

import java.util.List;
import java.util.Optional;

/** Where a service's topology comes from: one record per {@link Mode}. */
public sealed interface TopologyConfig {

    /** The mode this topology belongs to. */
    Mode mode();

    /** {@code mode = static}: the servers to ask ROLE (not empty). */
    record Static(List<HostPort> servers) implements TopologyConfig {
        public Static {
            servers = List.copyOf(servers);
        }

        @Override
        public Mode mode() {
            return Mode.STATIC;
        }
    }

    /**
     * {@code mode = sentinel}.
     *
     * @param masterName the name the Sentinels monitor the master under
     * @param nodes      the Sentinels (not empty)
     * @param user       the Sentinels' own ACL user, if any
     * @param password   the Sentinels' own password, if any
     * @param timeout      connect and command timeout of the proxy's Sentinel queries
     * @param pollInterval the safety-net re-query interval (events trigger queries at once)
     */
    record Sentinel(String masterName, List<HostPort> nodes, Optional<String> user, Optional<Secret> password,
                    java.time.Duration timeout, java.time.Duration pollInterval)
            implements TopologyConfig {
        public Sentinel {
            nodes = List.copyOf(nodes);
        }

        @Override
        public Mode mode() {
            return Mode.SENTINEL;
        }
    }

    /**
     * {@code mode = cluster}.
     *
     * @param seeds           nodes to learn the slot map from (not empty); the rest are discovered
     * @param timeout         connect and command timeout of the proxy's CLUSTER SHARDS / SLOTS queries
     * @param refreshInterval the safety-net re-query (redirects and failures trigger one at once)
     */
    record Cluster(List<HostPort> seeds, java.time.Duration timeout, java.time.Duration refreshInterval)
            implements TopologyConfig {
        public Cluster {
            seeds = List.copyOf(seeds);
        }

        @Override
        public Mode mode() {
            return Mode.CLUSTER;
        }
    }
}
