package io.respproxy.testkit;

import java.util.List;
import java.util.Map;

/**
 * How one node of a topology with an {@link Announce} says where it is: the config lines that make
 * it say so, and the relays that make those addresses reachable from inside the topology.
 *
 * @param endpoint   what clients are told: Sentinel replies, CLUSTER SHARDS {@code endpoint}, MOVED
 * @param ipEndpoint the IP form ({@code ip}/{@code port} of CLUSTER SHARDS); {@code endpoint} but for
 *                   a cluster node that announces a hostname
 * @param busPort    the announced cluster bus port, or 0 when the node announces none (its bus
 *                   is where it listens: {@code port + 10000})
 * @param lines      config lines, after the topology's own and before the caller's extra lines
 * @param relays     announced address (bound on {@link Announce#listenHost()}) to the real address
 */
record NodeAnnounce(RedisEndpoint endpoint, RedisEndpoint ipEndpoint, int busPort, List<String> lines,
                    Map<RedisEndpoint, RedisEndpoint> relays) {

    NodeAnnounce {
        lines = List.copyOf(lines);
        relays = Map.copyOf(relays);
    }

    /** A data node or Sentinel of a Sentinel deployment: one address, relayed to {@code port}. */
    static NodeAnnounce sentinelStyle(Announce a, int port, boolean sentinel) {
        RedisEndpoint e = a.endpointFor(port);
        return new NodeAnnounce(e, e, 0, sentinel ? RedisConf.announceSentinel(e) : RedisConf.announceDataNode(e),
                Map.of(e, RedisEndpoint.loopback(port)));
    }
}
