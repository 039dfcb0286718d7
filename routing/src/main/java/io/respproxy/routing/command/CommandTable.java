package io.respproxy.routing.command;

import io.respproxy.routing.CommandArgs;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The command table: the one source of command facts for routing. Immutable and thread-safe;
 * {@link #lookup(CommandArgs)} allocates nothing.
 *
 * <p>{@link #builtin()} holds every Redis 7.x command (generated from a real server's
 * {@code COMMAND INFO}/{@code COMMAND DOCS}, plus hand-added newer commands; see
 * {@code routing/tools/gen_commands.py}). {@link #merge} adds what a backend reports beyond that
 * (module commands such as {@code JSON.GET}, subcommands of newer servers).
 */
public final class CommandTable {

    private final Map<String, CommandInfo> infos;
    private final NameIndex index;
    private final int entryCount;

    private CommandTable(Map<String, CommandInfo> infos) {
        this.infos = infos;
        List<CommandSpec> specs = new ArrayList<>(infos.size());
        int count = 0;
        for (CommandInfo info : infos.values()) {
            NameIndex subs = null;
            if (!info.subcommands().isEmpty()) {
                List<CommandSpec> subSpecs = new ArrayList<>();
                for (CommandInfo sub : info.subcommands()) {
                    subSpecs.add(new CommandSpec(sub, info.name() + "|" + sub.simpleName(), null));
                }
                subs = new NameIndex(subSpecs, s -> s.name().substring(s.name().indexOf('|') + 1));
                count += subSpecs.size();
            }
            specs.add(new CommandSpec(info, info.name(), subs));
            count++;
        }
        this.index = new NameIndex(specs, CommandSpec::name);
        this.entryCount = count;
    }

    /** A table of exactly these entries (tests, tools). */
    public static CommandTable of(Collection<CommandInfo> entries) {
        Map<String, CommandInfo> map = new LinkedHashMap<>();
        for (CommandInfo info : entries) {
            if (map.put(info.name(), info) != null) {
                throw new IllegalArgumentException("duplicate command " + info.name());
            }
        }
        return new CommandTable(map);
    }

    /** The built-in table, read from the {@code commands.txt} resource on first use. */
    public static CommandTable builtin() {
        return Builtin.TABLE;
    }

    /** Lazy holder: the resource is parsed once, on first use, thread-safely by class initialisation. */
    private static final class Builtin {
        static final CommandTable TABLE = of(CommandResource.load());
    }

    /**
     * The spec for a request: the subcommand named by argument 1 for container commands (CONFIG GET,
     * CLIENT LIST, XINFO STREAM), else the command named by argument 0; ASCII case-insensitive.
     * A container whose subcommand is unknown (or missing) yields the container's own spec, which is
     * unflagged, hence a write: Redis replies with its own error. Never null: a command the table
     * does not know yields {@link CommandSpec#UNKNOWN}. Allocates nothing.
     */
    public CommandSpec lookup(CommandArgs args) {
        if (args.size() == 0) {
            return CommandSpec.UNKNOWN;
        }
        CommandSpec spec = index.find(args, 0);
        if (spec == null) {
            return CommandSpec.UNKNOWN;
        }
        CommandSpec sub = spec.subcommand(args);
        return sub != null ? sub : spec;
    }

    /**
     * The spec for a name, any case: {@code "get"}, or a subcommand as {@code "config|get"} or
     * {@code "config get"}. {@link CommandSpec#UNKNOWN} when absent. Allocates: for control paths.
     */
    public CommandSpec lookup(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        int sep = n.indexOf('|') >= 0 ? n.indexOf('|') : n.indexOf(' ');
        CommandSpec spec = index.find(sep < 0 ? n : n.substring(0, sep));
        if (spec == null) {
            return CommandSpec.UNKNOWN;
        }
        if (sep < 0) {
            return spec;
        }
        CommandSpec sub = spec.subcommand(n.substring(sep + 1).strip());
        return sub != null ? sub : CommandSpec.UNKNOWN;
    }

    /** Top-level commands (containers included), in table order. */
    public List<CommandSpec> commands() {
        return index.specs();
    }

    /** Number of entries: top-level commands plus subcommands. */
    public int size() {
        return entryCount;
    }

    /**
     * A new table with what a backend's {@code COMMAND INFO} adds: commands this table does not
     * have (module commands), and subcommands of known containers that it does not have. For a
     * command already known, the built-in facts win, field by field, because: the table is reviewed
     * and tested (a backend reply cannot turn XADD into a read, or a renamed command into something
     * else); every proxy instance routes identically whatever server versions it talks to; and
     * servers before 7.0 report no key specs, so their entries know less than ours.
     */
    public CommandTable merge(Collection<CommandInfo> backend) {
        Map<String, CommandInfo> merged = new LinkedHashMap<>(infos);
        for (CommandInfo info : backend) {
            String name = info.name();
            if (name.indexOf('|') >= 0) {
                name = name.substring(0, name.indexOf('|'));
                info = CommandResource.withSubcommands(
                        CommandInfo.legacy(name, -2, List.of(), 0, 0, 0), List.of(info));
            }
            CommandInfo known = merged.get(name);
            if (known == null) {
                merged.put(name, info);
            } else if (!info.subcommands().isEmpty()) {
                merged.put(name, addMissingSubcommands(known, info.subcommands()));
            }
        }
        return new CommandTable(merged);
    }

    private static CommandInfo addMissingSubcommands(CommandInfo known, List<CommandInfo> reported) {
        Map<String, CommandInfo> subs = new LinkedHashMap<>();
        for (CommandInfo sub : known.subcommands()) {
            subs.put(sub.simpleName(), sub);
        }
        boolean added = false;
        for (CommandInfo sub : reported) {
            if (subs.putIfAbsent(sub.simpleName(), sub) == null) {
                added = true;
            }
        }
        return added ? CommandResource.withSubcommands(known, new ArrayList<>(subs.values())) : known;
    }
}
