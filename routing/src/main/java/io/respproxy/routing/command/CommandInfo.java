package io.respproxy.routing.command;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One {@code COMMAND INFO} entry, Netty-free: what the built-in resource holds per line and what the
 * proxy fills from a backend's reply (Lettuce {@code CommandDetail} or raw RESP) to learn module
 * commands through {@link CommandTable#merge}.
 *
 * @param name          command name, any case (stored lower case); a subcommand's is {@code container|sub}
 *                      or just {@code sub} inside {@code subcommands}
 * @param arity         Redis arity: N = exactly N arguments including the name, -N = at least N
 * @param flags         command flags as Redis names them ({@code write}, {@code readonly}, ...); unknown ones are ignored
 * @param firstKey      legacy first key index (0 = none); used only when {@code keySpecs} is empty
 * @param lastKey       legacy last key index (negative: from the end)
 * @param step          legacy key step
 * @param aclCategories ACL categories without the {@code @}
 * @param tips          command tips ({@code request_policy:all_shards}, ...)
 * @param keySpecs      Redis 7 key specs; empty for older servers (then the legacy triple is used)
 * @param subcommands   subcommand entries of a container command (CONFIG, CLIENT, XINFO...)
 */
public record CommandInfo(String name, int arity, List<String> flags, int firstKey, int lastKey, int step,
                          List<String> aclCategories, List<String> tips, List<KeySpec> keySpecs,
                          List<CommandInfo> subcommands) {

    public CommandInfo {
        name = Objects.requireNonNull(name, "name").toLowerCase(Locale.ROOT);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty command name");
        }
        flags = lower(flags);
        aclCategories = lower(aclCategories);
        tips = lower(tips);
        keySpecs = List.copyOf(keySpecs == null ? List.of() : keySpecs);
        subcommands = List.copyOf(subcommands == null ? List.of() : subcommands);
    }

    /**
     * An entry with only the pre-7.0 facts (what Lettuce's {@code CommandDetail} carries): key
     * specs are derived from first/last/step unless the command has movable keys.
     */
    public static CommandInfo legacy(String name, int arity, List<String> flags, int firstKey, int lastKey, int step) {
        return new CommandInfo(name, arity, flags, firstKey, lastKey, step, List.of(), List.of(), List.of(), List.of());
    }

    /** The name after the container's {@code |}, or the whole name for a top-level command. */
    public String simpleName() {
        int bar = name.indexOf('|');
        return bar < 0 ? name : name.substring(bar + 1);
    }

    /**
     * Key specs to extract keys with: the Redis 7 specs when present, else one range spec built
     * from the legacy triple (as Redis does for modules that declare no specs), else none.
     */
    List<KeySpec> effectiveKeySpecs() {
        if (!keySpecs.isEmpty()) {
            return keySpecs;
        }
        if (firstKey <= 0 || step <= 0) {
            return List.of();
        }
        int last = lastKey < 0 ? lastKey : lastKey - firstKey;
        if (lastKey >= 0 && lastKey < firstKey) {
            return List.of();
        }
        return List.of(KeySpec.range(0, firstKey, last, step, 0));
    }

    private static List<String> lower(List<String> values) {
        if (values == null) {
            return List.of();
        }
        return values.stream().map(v -> v.toLowerCase(Locale.ROOT)).toList();
    }
}
