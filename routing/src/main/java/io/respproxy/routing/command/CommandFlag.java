package io.respproxy.routing.command;

import java.util.Locale;

/**
 * Redis command flags, as {@code COMMAND INFO} reports them (lower-cased names of the constants).
 * A {@link CommandSpec} holds them as a bit mask ({@link #bit()}).
 */
public enum CommandFlag {
    WRITE, READONLY, DENYOOM, MODULE, ADMIN, PUBSUB, NOSCRIPT, BLOCKING, LOADING, STALE,
    SKIP_MONITOR, SKIP_SLOWLOG, ASKING, FAST, NO_AUTH, MAY_REPLICATE, SENTINEL, ONLY_SENTINEL,
    NO_MANDATORY_KEYS, PROTECTED, NO_ASYNC_LOADING, NO_MULTI, MOVABLEKEYS, ALLOW_BUSY,
    MODULE_NO_CLUSTER, TOUCHES_ARBITRARY_KEYS;

    private static final CommandFlag[] VALUES = values();

    /** This flag's bit in {@link CommandSpec#flags()}. */
    public long bit() {
        return 1L << ordinal();
    }

    /** Name as Redis spells it in {@code COMMAND INFO}, e.g. {@code no_auth}. */
    public String redisName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The flag Redis calls {@code name} (case-insensitive), or {@code null} for a flag this
     * version of the table does not know (newer Redis, modules): such flags are ignored, which
     * is safe because no unknown flag can make a command count as a read.
     */
    public static CommandFlag fromRedisName(String name) {
        for (CommandFlag f : VALUES) {
            if (f.name().equalsIgnoreCase(name)) {
                return f;
            }
        }
        return null;
    }
}
