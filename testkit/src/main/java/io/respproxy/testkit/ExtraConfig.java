package io.respproxy.testkit;

import java.util.List;

/**
 * Config lines the caller adds to a node's config file, after the testkit's own; Redis takes the last
 * value of a repeated directive. The hook for NAT tests, e.g.
 * <pre>{@code
 * .extraConfig(node -> node.sentinel()
 *         ? List.of("sentinel announce-ip 127.0.0.1", "sentinel announce-port " + (node.port() + 1))
 *         : List.of("replica-announce-ip 127.0.0.1", "replica-announce-port " + (node.port() + 1)))
 * }</pre>
 * or {@code cluster-announce-ip}/{@code cluster-announce-port}/{@code cluster-announce-hostname}.
 * Announced ports nothing listens on stop Sentinel from failing over and a cluster from gossiping; for
 * a topology behind NAT use {@link SentinelDeployment.Builder#announce(Announce)} or
 * {@link RedisCluster.Builder#announce(Announce)}, which also make them reachable from inside the
 * topology.
 */
@FunctionalInterface
public interface ExtraConfig {

    /** No extra lines. */
    ExtraConfig NONE = node -> List.of();

    /** The lines for one node; called again with a new port if the first one was taken. */
    List<String> linesFor(NodeSpec node);

    /** These lines, then {@code next}'s. */
    default ExtraConfig andThen(ExtraConfig next) {
        return node -> {
            List<String> a = linesFor(node);
            List<String> b = next.linesFor(node);
            return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
        };
    }
}
