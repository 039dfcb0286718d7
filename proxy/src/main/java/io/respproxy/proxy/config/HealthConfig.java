package io.respproxy.proxy.config;

import java.time.Duration;

/**
 * Active health checks of data nodes.
 *
 * @param interval           time between probes of one node
 * @param timeout            a probe slower than this counts as failed
 * @param rise               consecutive good probes before a down node is used again
 * @param fall               consecutive failed probes before a node is marked down
 * @param maxReplicaLag      a replica further behind than this (INFO replication) serves no reads
 * @param maxReplicaLagBytes a replica more bytes behind its master than this serves no reads
 *                           (0 = no byte limit)
 * @param roleCheckInterval  time between role checks (INFO replication) of an up node
 */
public record HealthConfig(Duration interval, Duration timeout, int rise, int fall, Duration maxReplicaLag,
                           long maxReplicaLagBytes, Duration roleCheckInterval) {}
