package io.respproxy.routing.command;

import io.respproxy.routing.CommandArgs;

/**
 * Finds the key arguments of one request. Implementations never allocate and never throw on
 * malformed input: they return {@link #INVALID} instead, and the proxy forwards the command to a
 * node (which replies with Redis's own error) or replies {@code -ERR syntax error} itself.
 */
interface KeyFinder {

    /** Keys cannot be determined: malformed arguments (numkeys too large or negative, missing key). */
    int INVALID = -1;

    /** Number of keys, or {@link #INVALID}. */
    int count(CommandArgs args);

    /** Argument index of key {@code k} (0-based), or {@link #INVALID} when invalid or out of range. */
    int index(CommandArgs args, int k);

    /**
     * Writes key argument indexes to {@code out} (as many as fit) and returns the key count, or
     * {@link #INVALID}. One pass over the arguments, unlike repeated {@link #index} calls.
     */
    int collect(CommandArgs args, int[] out);

    /** For commands with no keys at all. */
    KeyFinder NONE = new KeyFinder() {
        @Override
        public int count(CommandArgs args) {
            return 0;
        }

        @Override
        public int index(CommandArgs args, int k) {
            return INVALID;
        }

        @Override
        public int collect(CommandArgs args, int[] out) {
            return 0;
        }
    };

    /** For commands whose keys no spec describes (unknown command, movable-key module command without specs). */
    KeyFinder UNDETERMINED = new KeyFinder() {
        @Override
        public int count(CommandArgs args) {
            return INVALID;
        }

        @Override
        public int index(CommandArgs args, int k) {
            return INVALID;
        }

        @Override
        public int collect(CommandArgs args, int[] out) {
            return INVALID;
        }
    };
}
