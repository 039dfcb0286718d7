package io.respproxy.routing.command;

import io.respproxy.routing.CommandArgs;

/**
 * Keys of {@code MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw]
 * [KEYS key...]}, like Redis's {@code migrateGetKeys}: the key at argument 3, or, with the KEYS
 * option, every argument after KEYS (argument 3 must then be the empty string). Redis marks the
 * key specs incomplete, so the generic walk cannot be used. The AUTH/AUTH2 values are skipped so a
 * password spelled "keys" is not taken for the option.
 */
final class MigrateKeyFinder implements KeyFinder {

    /** Index of the first key (3, or the argument after KEYS: keys then run to the end), or INVALID. */
    private static int firstKey(CommandArgs args) {
        int argc = args.size();
        if (argc < 6) {
            return INVALID;
        }
        for (int i = 6; i < argc; i++) {
            if (args.equalsIgnoreCase(i, "AUTH")) {
                i += 1;
            } else if (args.equalsIgnoreCase(i, "AUTH2")) {
                i += 2;
            } else if (args.equalsIgnoreCase(i, "KEYS")) {
                if (args.length(3) != 0 || i + 1 >= argc) {
                    return INVALID;
                }
                return i + 1;
            }
        }
        return 3;
    }

    @Override
    public int count(CommandArgs args) {
        int first = firstKey(args);
        if (first == INVALID) {
            return INVALID;
        }
        return first == 3 ? 1 : args.size() - first;
    }

    @Override
    public int index(CommandArgs args, int k) {
        int n = count(args);
        if (n == INVALID || k < 0 || k >= n) {
            return INVALID;
        }
        return firstKey(args) + k;
    }

    @Override
    public int collect(CommandArgs args, int[] out) {
        int first = firstKey(args);
        if (first == INVALID) {
            return INVALID;
        }
        int n = first == 3 ? 1 : args.size() - first;
        for (int k = 0; k < n && k < out.length; k++) {
            out[k] = first + k;
        }
        return n;
    }
}
