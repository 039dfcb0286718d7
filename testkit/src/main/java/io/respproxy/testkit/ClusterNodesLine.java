package io.respproxy.testkit;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * One line of {@code CLUSTER NODES}:
 * {@code <id> <ip:port@cport[,hostname]> <flags> <master-id|-> <ping> <pong> <epoch> <link> [slot ...]}.
 */
record ClusterNodesLine(String id, int port, Set<String> flags, String masterId, List<String> slots) {

    static List<ClusterNodesLine> parseAll(String reply) {
        return reply.lines().filter(l -> !l.isBlank()).map(ClusterNodesLine::parse).toList();
    }

    static ClusterNodesLine parse(String line) {
        String[] f = line.strip().split(" ");
        String addr = f[1];
        int at = addr.indexOf('@');
        String hostPort = at >= 0 ? addr.substring(0, at) : addr.split(",")[0];
        int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
        return new ClusterNodesLine(f[0], port, Set.of(f[2].split(",")), f[3],
                List.of(Arrays.copyOfRange(f, Math.min(8, f.length), f.length)));
    }

    boolean isMaster() {
        return flags.contains("master");
    }

    boolean isReplica() {
        return flags.contains("slave");
    }

    /** Failed, or still being introduced: either way the view is not settled. */
    boolean isUnsettled() {
        return flags.contains("fail") || flags.contains("fail?") || flags.contains("handshake")
                || flags.contains("noaddr");
    }
}
