package io.respproxy.routing.command;

import java.util.List;
import java.util.Locale;

/**
 * Redis's {@code request_policy} command tip: which nodes a cluster client sends a command to
 * when it is not routed by key. {@link #DEFAULT} when the command has no such tip.
 */
public enum RequestPolicy {
    DEFAULT, ALL_NODES, ALL_SHARDS, MULTI_SHARD, SPECIAL;

    private static final String PREFIX = "request_policy:";

    /** The policy named by a {@code request_policy:...} entry of {@code tips}, else DEFAULT. */
    public static RequestPolicy fromTips(List<String> tips) {
        for (String tip : tips) {
            if (tip.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
                String value = tip.substring(PREFIX.length()).toUpperCase(Locale.ROOT);
                for (RequestPolicy p : values()) {
                    if (p.name().equals(value)) {
                        return p;
                    }
                }
            }
        }
        return DEFAULT;
    }
}
