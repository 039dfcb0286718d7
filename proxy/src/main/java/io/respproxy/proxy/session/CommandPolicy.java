package io.respproxy.proxy.session;

import io.respproxy.routing.CommandArgs;
import io.respproxy.routing.command.CommandSpec;
import io.respproxy.routing.command.CommandTable;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Each command's {@link CommandKind} for one service, computed once from the command table (one
 * table is the truth) and the service's deny list, so the hot path does one identity-map lookup.
 * Only the per-request fact (does XREAD carry BLOCK?) is decided per call.
 */
public final class CommandPolicy {

    private final CommandTable table;
    private final Map<CommandSpec, CommandKind> kinds = new IdentityHashMap<>();
    private final Map<CommandSpec, String> containers = new IdentityHashMap<>();

    /**
     * @param deny command names as users write them: {@code "FLUSHALL"}, {@code "CONFIG SET"}
     * @throws IllegalArgumentException when a denied name is not a known command
     */
    public CommandPolicy(CommandTable table, Set<String> deny) {
        this.table = table;
        for (CommandSpec spec : table.commands()) {
            put(spec, deny);
            for (CommandSpec sub : spec.subcommands()) {
                put(sub, deny);
            }
        }
        for (String d : deny) {
            CommandSpec spec = table.lookup(d);
            if (!spec.isKnown()) {
                throw new IllegalArgumentException("deny-commands: unknown command '" + d + "'");
            }
            kinds.put(spec, CommandKind.DENIED);
            for (CommandSpec sub : spec.subcommands()) {
                kinds.put(sub, CommandKind.DENIED);
            }
        }
    }

    private void put(CommandSpec spec, Set<String> deny) {
        String name = spec.name();
        int bar = name.indexOf('|');
        String container = (bar < 0 ? name : name.substring(0, bar)).toUpperCase(Locale.ROOT);
        containers.put(spec, container);
        kinds.put(spec, baseKind(spec, container));
    }

    private static CommandKind baseKind(CommandSpec spec, String container) {
        switch (container) {
            case "AUTH", "HELLO", "PING", "ECHO", "QUIT", "RESET", "SELECT", "CLIENT", "INFO", "ROLE", "COMMAND",
                 "READONLY", "READWRITE", "UNWATCH", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE" -> {
                return CommandKind.LOCAL;
            }
            case "MULTI" -> {
                return CommandKind.TRANSACTION;
            }
            case "WATCH" -> {
                return CommandKind.WATCH;
            }
            case "EXEC", "DISCARD" -> {
                return CommandKind.EXEC_OUTSIDE_MULTI;
            }
            case "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE" -> {
                return CommandKind.SUBSCRIBE;
            }
            default -> {
                return spec.isReadOnly() ? CommandKind.READ : CommandKind.WRITE;
            }
        }
    }

    public CommandTable table() {
        return table;
    }

    /** The spec of this request's command (never null: {@link CommandSpec#UNKNOWN}). */
    CommandSpec lookup(CommandArgs args) {
        return table.lookup(args);
    }

    /** The kind of this request; {@link CommandKind#UNKNOWN} for a command the table does not know. */
    CommandKind kind(CommandSpec spec, CommandArgs args) {
        CommandKind k = kinds.get(spec);
        if (k == null) {
            return CommandKind.UNKNOWN;
        }
        if ((k == CommandKind.READ || k == CommandKind.WRITE) && spec.isBlocking(args)) {
            return CommandKind.BLOCKING;
        }
        return k;
    }

    /** Upper-case command name without subcommand ("CONFIG" for config|get); "" when unknown. */
    String container(CommandSpec spec) {
        String c = containers.get(spec);
        if (c == null) {
            int bar = spec.name().indexOf('|');
            c = (bar < 0 ? spec.name() : spec.name().substring(0, bar)).toUpperCase(Locale.ROOT);
        }
        return c;
    }
}
