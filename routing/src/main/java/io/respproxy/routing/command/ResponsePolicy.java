package io.respproxy.routing.command;

import java.util.List;
import java.util.Locale;

/**
 * Redis's {@code response_policy} command tip: how the replies of a fanned-out command are merged
 * ({@code agg_sum} for DEL, {@code all_succeeded} for FLUSHALL...). {@link #DEFAULT} when the
 * command has no such tip: Redis then means "concatenate arrays" for keyless fan-outs and "keep
 * request order" for multi-key splits such as MGET.
 */
public enum ResponsePolicy {
    DEFAULT, ONE_SUCCEEDED, ALL_SUCCEEDED, AGG_LOGICAL_AND, AGG_LOGICAL_OR, AGG_MIN, AGG_MAX, AGG_SUM,
    SPECIAL;

    private static final String PREFIX = "response_policy:";

    /** The policy named by a {@code response_policy:...} entry of {@code tips}, else DEFAULT. */
    public static ResponsePolicy fromTips(List<String> tips) {
        for (String tip : tips) {
            if (tip.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
                String value = tip.substring(PREFIX.length()).toUpperCase(Locale.ROOT);
                for (ResponsePolicy p : values()) {
                    if (p.name().equals(value)) {
                        return p;
                    }
                }
            }
        }
        return DEFAULT;
    }
}
