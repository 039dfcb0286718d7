package io.respproxy.testkit;

import java.util.Locale;

/** What a node says it is, in reply to {@code ROLE}. */
public enum NodeRole {
    MASTER,
    /** {@code ROLE} says {@code slave}. */
    REPLICA,
    SENTINEL;

    /** Maps the first element of a {@code ROLE} reply ({@code master}, {@code slave}, {@code sentinel}). */
    public static NodeRole fromRoleReply(String first) {
        return switch (first.toLowerCase(Locale.ROOT)) {
            case "master" -> MASTER;
            case "slave", "replica" -> REPLICA;
            case "sentinel" -> SENTINEL;
            default -> throw new IllegalArgumentException("unknown ROLE reply: " + first);
        };
    }
}
