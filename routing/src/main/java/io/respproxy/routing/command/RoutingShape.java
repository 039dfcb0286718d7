package io.respproxy.routing.command;

/**
 * How the router treats a command: one class of routing per shape, not per command. Each
 * {@link CommandSpec} has exactly one, decided when the table is built (see {@code ShapePolicy}).
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
    /** Sent to every master; replies merged per {@link CommandSpec#responsePolicy()} (FLUSHALL, SCRIPT KILL, DBSIZE, KEYS). */
    ALL_MASTERS,
    /** Sent to every node, replicas included (CONFIG SET, SCRIPT LOAD/FLUSH, SLOWLOG, LATENCY). */
    ALL_NODES,
    /** SCAN: the cursor has to encode which node it belongs to. */
    SCAN,
    /** Answered by the proxy itself (AUTH, HELLO, PING, SELECT, CLIENT *, INFO, ROLE, COMMAND, CLUSTER *...). */
    LOCAL,
    /** MULTI/EXEC/DISCARD/WATCH/UNWATCH: pins the session to one connection. */
    TRANSACTION,
    /** (P|S)SUBSCRIBE and their UNSUBSCRIBE: the session enters or leaves pub/sub mode. */
    PUBSUB_SUBSCRIBE,
    /**
     * May block the connection (BLPOP family, XREAD(GROUP) BLOCK, WAIT/WAITAOF): needs a dedicated
     * connection. Keys still route by slot. Check {@link CommandSpec#isBlocking} per request: XREAD
     * without BLOCK does not block and may be routed as {@link #SINGLE_SLOT}.
     */
    BLOCKING,
    /** Changes the connection's state in ways the proxy must pin or emulate (CLIENT TRACKING, MONITOR, SYNC). */
    STATEFUL_OTHER,
    /** Not in the table: the proxy replies {@code -ERR unknown command} or forwards it to the master. */
    UNKNOWN
}
