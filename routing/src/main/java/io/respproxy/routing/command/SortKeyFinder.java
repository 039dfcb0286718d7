package io.respproxy.routing.command;

import io.respproxy.routing.CommandArgs;

/**
 * Keys of SORT / SORT_RO, whose key specs Redis leaves "unknown" (BY and GET take patterns that
 * may name keys in any slot; Redis Cluster refuses those itself). Like Redis's
 * {@code sortGetKeys}: the sorted key at argument 1, plus the last {@code STORE dest} for SORT.
 * Options are skipped with their arguments (LIMIT 2, BY 1, GET 1) so a pattern or destination
 * named "store" is not mistaken for the option.
 */
final class SortKeyFinder implements KeyFinder {

    private final boolean allowStore;

    SortKeyFinder(boolean allowStore) {
        this.allowStore = allowStore;
    }

    /** Index of the STORE destination, 0 when none, INVALID when malformed. */
    private int storeIndex(CommandArgs args) {
        int argc = args.size();
        if (argc < 2) {
            return INVALID;
        }
        int store = 0;
        for (int i = 2; i < argc; i++) {
            if (args.equalsIgnoreCase(i, "LIMIT")) {
                i += 2;
            } else if (args.equalsIgnoreCase(i, "BY") || args.equalsIgnoreCase(i, "GET")) {
                i += 1;
            } else if (allowStore && args.equalsIgnoreCase(i, "STORE") && i + 1 < argc) {
                store = i + 1;
                i += 1;
            }
        }
        return store;
    }

    @Override
    public int count(CommandArgs args) {
        int store = storeIndex(args);
        return store == INVALID ? INVALID : store == 0 ? 1 : 2;
    }

    @Override
    public int index(CommandArgs args, int k) {
        int store = storeIndex(args);
        if (store == INVALID) {
            return INVALID;
        }
        if (k == 0) {
            return 1;
        }
        return k == 1 && store > 0 ? store : INVALID;
    }

    @Override
    public int collect(CommandArgs args, int[] out) {
        int store = storeIndex(args);
        if (store == INVALID) {
            return INVALID;
        }
        if (out.length > 0) {
            out[0] = 1;
        }
        if (store > 0 && out.length > 1) {
            out[1] = store;
        }
        return store == 0 ? 1 : 2;
    }
}
