package io.respproxy.routing.command;

/**
 * How the router treats a command: one class of routing per shape, not per command. Each
 * {@link CommandSpec} has exactly one, decided when the table is built (see {@code ShapePolicy});
 * this is the proxy's only command taxonomy, and the proxy handles every value (a test checks).
 */
public enum RoutingShape {
    /** Exactly one key: goes to the node owning that key's slot. */
    SINGLE_KEY,
    /**
     * Several keys that must all hash to one slot (RENAME, SINTERSTORE, EVAL, MSETNX...): routed by
     * slot, {@code -CROSSSLOT} otherwise. Also used when the keys cannot be determined from the
     * arguments alone ({@link CommandSpec#keyCount} returns -1).
     */
    SINGLE_SLOT,
    /** No keys: to the master (writes and unflagged commands) or any healthy node (reads). */
    KEYLESS,
    /** Multi-key, split by slot, array replies concatenated in request order (MGET). */
    MULTI_KEY_CONCAT,
    /** Multi-key, split by slot, integer replies summed (DEL, EXISTS, UNLINK, TOUCH). */
    MULTI_KEY_SUM,
    /** Key/value pairs, split by slot, all must succeed (MSET). */
    MULTI_KEY_PAIRS,
    /** Sent to every master; replies merged per {@link CommandSpec#responsePolicy()} (FLUSHALL, DBSIZE, KEYS). */
    ALL_MASTERS,
    /** Sent to every node, replicas included (SCRIPT LOAD/FLUSH, CONFIG SET, SLOWLOG, LATENCY). */
    ALL_NODES,
    /** SCAN: in a cluster the cursor has to encode which node it belongs to. */
    SCAN,
    /** Answered by the proxy itself (AUTH, HELLO, PING, SELECT, CLIENT *, INFO, ROLE, COMMAND, CLUSTER *...). */
    LOCAL,
    /**
     * Out-of-band control of something running on the master (SCRIPT KILL, FUNCTION KILL): sent
     * at once on a connection of its own, never queued behind the script it is meant to stop.
     */
    OUT_OF_BAND,
    /** MULTI: the session takes a dedicated connection until EXEC or DISCARD. */
    MULTI,
    /** EXEC and DISCARD: end a transaction (outside one, {@code -ERR EXEC without MULTI}). */
    EXEC,
    /** WATCH: the session takes a dedicated connection, where the watched keys live. */
    WATCH,
    /** UNWATCH: ends a WATCH; outside one the proxy answers OK itself. */
    UNWATCH,
    /** SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE: the session enters pub/sub mode on a dedicated connection. */
    SUBSCRIBE,
    /** The three UNSUBSCRIBEs: leave pub/sub mode; outside it the proxy answers itself, as Redis does. */
    UNSUBSCRIBE,
    /**
     * May block the connection (BLPOP family, XREAD(GROUP) BLOCK, WAIT/WAITAOF): needs a dedicated
     * connection. Keys still route by slot. Check {@link CommandSpec#isBlocking} per request: XREAD
     * without BLOCK does not block and is routed as {@link #SINGLE_SLOT}.
     */
    BLOCKING,
    /**
     * MONITOR: the client is piped to a dedicated connection on the master (a replica on the read
     * port), where the node streams every command it runs, until it disconnects or RESETs. Refused
     * in a cluster, where it would watch one master of several.
     */
    MONITOR,
    /**
     * Changes a connection's state in a way a multiplexing proxy cannot carry (SYNC, PSYNC,
     * REPLCONF): refused with an error that says so; the connection stays open.
     */
    UNSUPPORTED,
    /** Not in the table: the proxy replies {@code -ERR unknown command}. */
    UNKNOWN
}
