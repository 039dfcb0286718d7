package io.respproxy.proxy.service;

import io.respproxy.proxy.resp.RespLimits;
import java.time.Duration;
import java.util.Set;

/**
 * Per-client limits and policies of one service.
 *
 * @param limits            request limits once authenticated
 * @param preAuthLimits     tighter request limits until the client authenticates
 * @param maxInFlight       commands a client may have waiting for replies before the proxy stops reading from it
 * @param maxPendingOutput  replies waiting for one client (unsent, plus the expected size of those still
 *                          in flight) past which no more of its commands are run or read, until half drained
 * @param maxPendingInput   bytes of commands read ahead, not run, from a client whose replies stand still
 * @param tcpNotsentLowat   unsent bytes a client's socket may hold (TCP_NOTSENT_LOWAT, epoll; 0 = the kernel's)
 * @param outputLimits      client-output-buffer-limit by client class (normal, pubsub, replica)
 * @param readPortRejectsWrites {@code read-port.writes = reject}
 * @param fallbackToMaster  reads go to the master when no replica is eligible
 * @param loopbackOnly      protected mode: only loopback clients may connect
 * @param deny              commands ("GET", "CONFIG SET") answered with an error instead of forwarded
 * @param idleTimeout       close clients idle this long (zero: never)
 * @param maxClients        connections this service accepts at once (then -ERR max number of clients reached)
 * @param holdTimeout       how long a command waits for a master during a failover before -TRYAGAIN
 * @param holdMaxCommands   commands held at once per service (beyond: -TRYAGAIN at once)
 * @param databases         SELECT accepts 0 to databases-1, as the backends' {@code databases} setting
 * @param cluster           mode = cluster: the one-node cluster each listener presents; {@link ClusterEmulation#OFF} otherwise
 * @param trackingMaxKeys   keys remembered for CLIENT TRACKING clients at most (0: no bound)
 * @param minReplicas       {@code writes.acknowledge = replicated}: replicas a write must reach
 *                          (RoutingRules#MAJORITY: a majority); 0: async
 */
public record SessionSettings(RespLimits limits, RespLimits preAuthLimits, int maxInFlight, long maxPendingOutput,
                              long maxPendingInput, long tcpNotsentLowat, OutputLimit.Classes outputLimits,
                              boolean readPortRejectsWrites, boolean fallbackToMaster, boolean loopbackOnly,
                              Set<String> deny, Duration idleTimeout, int maxClients, Duration holdTimeout, int holdMaxCommands,
                              int databases, ClusterEmulation cluster, int trackingMaxKeys,
                              int slowlogSlowerThan, int slowlogMaxLen, int minReplicas) {

    public SessionSettings {
        deny = Set.copyOf(deny);
        cluster = cluster == null ? ClusterEmulation.OFF : cluster;
    }
}
