package io.respproxy.testkit;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Reads fields from {@code INFO} and {@code CLUSTER INFO} replies ({@code key:value} lines). */
final class Info {

    private Info() {
    }

    static Map<String, String> parse(String reply) {
        Map<String, String> fields = new HashMap<>();
        for (String line : reply.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return fields;
    }

    static Map<String, String> replication(RedisNode node) {
        return parse(node.admin().call(node.endpoint(), node.auth(), c -> c.info("replication")));
    }

    static Map<String, String> cluster(RedisNode node) {
        return parse(node.admin().call(node.endpoint(), node.auth(), c -> c.clusterInfo()));
    }

    /** Waits until the replica's link to its master is up, i.e. the initial sync is done. */
    static void awaitInSync(RedisNode replica, Duration timeout) {
        Poll.untilTrue(timeout, replica + " to be a replica in sync (master_link_status:up)", () -> {
            Map<String, String> r = replication(replica);
            return "slave".equals(r.get("role")) && "up".equals(r.get("master_link_status"));
        });
    }
}
