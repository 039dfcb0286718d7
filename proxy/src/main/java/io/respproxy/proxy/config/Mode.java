package io.respproxy.proxy.config;

/** How a service learns its topology ({@code mode} in the configuration). */
public enum Mode {
    /** A fixed list of servers; the master is found by asking each one ROLE. */
    STATIC,
    /** Sentinel tells who the master is and follows failover. */
    SENTINEL,
    /** Redis Cluster: slots map to masters (and replicas). */
    CLUSTER;

    /** The spelling used in the configuration. */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
