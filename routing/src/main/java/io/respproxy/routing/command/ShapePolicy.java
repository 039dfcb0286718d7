package io.respproxy.routing.command;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides each command's {@link RoutingShape} when the table is built. These are proxy decisions,
 * not Redis facts, so they are named here once; everything Redis already says (flags, key specs,
 * request_policy tips) is read from the entry instead of being restated, so it cannot drift.
 *
 * <p>Order: explicit proxy decisions by name, then Redis's blocking flag, then request_policy
 * fan-out, then key specs (none: keyless; one fixed key: single key; otherwise one slot).
 */
final class ShapePolicy {

    /**
     * Commands the proxy answers or emulates itself. A container entry covers its subcommands
     * unless a subcommand is named elsewhere in this class.
     */
    private static final Set<String> LOCAL = Set.of(
            "auth", "hello", "ping", "echo", "quit", "reset", "select", "info", "role", "command",
            "client", "cluster", "readonly", "readwrite", "asking", "slowlog");

    private static final Map<String, RoutingShape> BY_NAME = Map.ofEntries(
            Map.entry("multi", RoutingShape.MULTI),
            Map.entry("exec", RoutingShape.EXEC),
            Map.entry("discard", RoutingShape.EXEC),
            Map.entry("watch", RoutingShape.WATCH),
            Map.entry("unwatch", RoutingShape.UNWATCH),
            Map.entry("subscribe", RoutingShape.SUBSCRIBE),
            Map.entry("psubscribe", RoutingShape.SUBSCRIBE),
            Map.entry("ssubscribe", RoutingShape.SUBSCRIBE),
            Map.entry("unsubscribe", RoutingShape.UNSUBSCRIBE),
            Map.entry("punsubscribe", RoutingShape.UNSUBSCRIBE),
            Map.entry("sunsubscribe", RoutingShape.UNSUBSCRIBE),
            Map.entry("monitor", RoutingShape.MONITOR),
            Map.entry("sync", RoutingShape.UNSUPPORTED),
            Map.entry("psync", RoutingShape.UNSUPPORTED),
            Map.entry("replconf", RoutingShape.UNSUPPORTED),
            // a script or function that runs forever holds the master's one thread: the kill must
            // not queue behind it on the shared connection
            Map.entry("script|kill", RoutingShape.OUT_OF_BAND),
            Map.entry("function|kill", RoutingShape.OUT_OF_BAND),
            Map.entry("scan", RoutingShape.SCAN),
            Map.entry("mget", RoutingShape.MULTI_KEY_CONCAT),
            Map.entry("del", RoutingShape.MULTI_KEY_SUM),
            Map.entry("exists", RoutingShape.MULTI_KEY_SUM),
            Map.entry("unlink", RoutingShape.MULTI_KEY_SUM),
            Map.entry("touch", RoutingShape.MULTI_KEY_SUM),
            Map.entry("mset", RoutingShape.MULTI_KEY_PAIRS),
            // all-or-nothing: a split could set some keys and not others (Redis 7.0 tips say multi_shard)
            Map.entry("msetnx", RoutingShape.SINGLE_SLOT),
            // WAIT counts replicas that acked this connection's writes: never on a shared connection
            Map.entry("wait", RoutingShape.BLOCKING),
            Map.entry("waitaof", RoutingShape.BLOCKING),
            // the latency of the proxy's clients' commands, kept by the proxy (the nodes' would
            // count the proxy's connections, one node's in a cluster)
            Map.entry("latency|histogram", RoutingShape.LOCAL));

    /** Block only when a {@code BLOCK ms} option is given. */
    private static final Set<String> BLOCK_OPTION = Set.of("xread", "xreadgroup");

    /** Run a script or a function, which may hold the node's thread for as long as it runs. */
    private static final Set<String> RUNS_SCRIPT = Set.of("eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro");

    /** Replication acknowledgement waits (see {@link CommandSpec#isReplicationWait()}). */
    private static final Set<String> REPLICATION_WAIT = Set.of("wait", "waitaof");

    private ShapePolicy() {
    }

    static RoutingShape shapeOf(String fullName, long flags, List<KeySpec> keySpecs, RequestPolicy requestPolicy,
                                boolean keysUndetermined) {
        RoutingShape named = BY_NAME.get(fullName);
        if (named != null) {
            return named;
        }
        int bar = fullName.indexOf('|');
        String container = bar < 0 ? fullName : fullName.substring(0, bar);
        if (LOCAL.contains(container)) {
            return RoutingShape.LOCAL;
        }
        if ((flags & CommandFlag.BLOCKING.bit()) != 0) {
            return RoutingShape.BLOCKING;
        }
        if (requestPolicy == RequestPolicy.ALL_SHARDS) {
            return RoutingShape.ALL_MASTERS;
        }
        if (requestPolicy == RequestPolicy.ALL_NODES) {
            return RoutingShape.ALL_NODES;
        }
        if (keysUndetermined) {
            return RoutingShape.SINGLE_SLOT;
        }
        if (keySpecs.isEmpty()) {
            return RoutingShape.KEYLESS;
        }
        if (keySpecs.size() == 1 && keySpecs.get(0).isSingleFixedKey()) {
            return RoutingShape.SINGLE_KEY;
        }
        return RoutingShape.SINGLE_SLOT;
    }

    static boolean blocksOnlyWithOption(String fullName) {
        return BLOCK_OPTION.contains(fullName);
    }

    static boolean runsScript(String fullName) {
        return RUNS_SCRIPT.contains(fullName);
    }

    static boolean isReplicationWait(String fullName) {
        return REPLICATION_WAIT.contains(fullName);
    }

    /** Key finder for commands whose keys Redis finds with its own code rather than key specs. */
    static KeyFinder customKeyFinder(String fullName) {
        return switch (fullName) {
            case "sort" -> new SortKeyFinder(true);
            case "sort_ro" -> new SortKeyFinder(false);
            case "migrate" -> new MigrateKeyFinder();
            default -> null;
        };
    }
}
