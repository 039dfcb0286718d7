package io.respproxy.routing.command;

import java.util.Locale;

/**
 * Flags of one key spec (Redis 7 {@code key_specs}): how the command uses those keys. RO/RW/OW/RM
 * say read-only, read-write, overwrite, remove; ACCESS/UPDATE/INSERT/DELETE refine the operation;
 * NOT_KEY marks an argument hashed like a key that is not one (SPUBLISH's shard channel);
 * INCOMPLETE means the spec may miss keys; VARIABLE_FLAGS means the flags depend on arguments.
 */
public enum KeySpecFlag {
    RO, RW, OW, RM, ACCESS, UPDATE, INSERT, DELETE, NOT_KEY, INCOMPLETE, VARIABLE_FLAGS;

    private static final KeySpecFlag[] VALUES = values();

    /** This flag's bit in {@link KeySpec#flags()}. */
    public int bit() {
        return 1 << ordinal();
    }

    /** Name as Redis spells it in {@code COMMAND INFO}: RO/RW/OW/RM upper case, the rest lower case. */
    public String redisName() {
        return ordinal() <= RM.ordinal() ? name() : name().toLowerCase(Locale.ROOT);
    }

    /** The flag Redis calls {@code name} (case-insensitive), or {@code null} when unknown (ignored). */
    public static KeySpecFlag fromRedisName(String name) {
        for (KeySpecFlag f : VALUES) {
            if (f.name().equalsIgnoreCase(name)) {
                return f;
            }
        }
        return null;
    }
}
