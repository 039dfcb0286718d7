package io.respproxy.proxy.session;

import io.respproxy.routing.CommandArgs;
import io.respproxy.routing.command.CommandSpec;
import java.util.Set;

/**
 * How the session treats a command: answered locally, forwarded as a read or a write over a
 * shared connection, or needing a connection of its own. Derived from the command table's facts
 * (one table is the truth); only the proxy's own policies (local commands, deny list) add to it.
 */
enum CommandKind {
    LOCAL, READ, WRITE, TRANSACTION, WATCH, EXEC_OUTSIDE_MULTI, BLOCKING, SUBSCRIBE, DENIED, UNKNOWN;

    /** Commands a client may send before it authenticates, as in Redis. */
    boolean allowedBeforeAuth() {
        return this == LOCAL;
    }

    static CommandKind of(CommandSpec spec, CommandArgs args, Set<String> deny) {
        if (spec == null) {
            return UNKNOWN;
        }
        String name = spec.name();
        if (!deny.isEmpty() && (deny.contains(name) || deny.contains(spec.parentName()))) {
            return DENIED;
        }
        switch (spec.parentName()) {
            case "AUTH", "HELLO", "PING", "ECHO", "QUIT", "RESET", "SELECT", "CLIENT", "INFO", "ROLE", "COMMAND",
                 "READONLY", "READWRITE" -> {
                return LOCAL;
            }
            case "MULTI" -> {
                return TRANSACTION;
            }
            case "WATCH" -> {
                return WATCH;
            }
            case "EXEC", "DISCARD" -> {
                return EXEC_OUTSIDE_MULTI;
            }
            case "UNWATCH" -> {
                return LOCAL;
            }
            case "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE" -> {
                return SUBSCRIBE;
            }
            case "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE" -> {
                return LOCAL;
            }
            default -> { }
        }
        if (spec.isBlocking(args)) {
            return BLOCKING;
        }
        return spec.isReadOnly() ? READ : WRITE;
    }
}
