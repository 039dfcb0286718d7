package io.respproxy.health;

/**
 * What the data nodes report about themselves, apart from where the topology comes from: the
 * {@link NodeHealthMonitor} learns it from its probes, whatever the mode.
 */
public interface ServerFacts {

    /** The Redis version the master reports (any node's until a master answered), or null while unknown. */
    String redisVersion();
}
