package io.respproxy.routing.command;

import io.respproxy.routing.CommandArgs;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Open-addressing hash table from command name to spec, probed straight from a request argument:
 * the hash and the comparison fold ASCII case byte by byte, so a lookup reads the argument in place
 * and allocates nothing. Names longer than the longest known name are rejected before hashing, so a
 * huge garbage argument costs nothing.
 */
final class NameIndex {

    private static final int FNV_OFFSET = 0x811c9dc5;
    private static final int FNV_PRIME = 0x01000193;

    private final byte[][] names;
    private final CommandSpec[] slots;
    private final int mask;
    private final int maxLength;
    private final List<CommandSpec> specs;

    NameIndex(Collection<CommandSpec> entries, Function<CommandSpec, String> key) {
        int capacity = Integer.highestOneBit(Math.max(4, entries.size() * 3)) << 1;
        this.names = new byte[capacity][];
        this.slots = new CommandSpec[capacity];
        this.mask = capacity - 1;
        int max = 0;
        for (CommandSpec spec : entries) {
            byte[] name = key.apply(spec).toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
            max = Math.max(max, name.length);
            int h = hash(name) & mask;
            while (names[h] != null) {
                if (Arrays.equals(names[h], name)) {
                    throw new IllegalArgumentException("duplicate command name: " + key.apply(spec));
                }
                h = (h + 1) & mask;
            }
            names[h] = name;
            slots[h] = spec;
        }
        this.maxLength = max;
        this.specs = List.copyOf(new ArrayList<>(entries));
    }

    List<CommandSpec> specs() {
        return specs;
    }

    CommandSpec find(CommandArgs args, int argIndex) {
        int len = args.length(argIndex);
        if (len == 0 || len > maxLength) {
            return null;
        }
        int h = FNV_OFFSET;
        for (int i = 0; i < len; i++) {
            h = (h ^ lower(args.byteAt(argIndex, i))) * FNV_PRIME;
        }
        for (int slot = spread(h) & mask; names[slot] != null; slot = (slot + 1) & mask) {
            byte[] name = names[slot];
            if (name.length == len && sameIgnoringCase(name, args, argIndex)) {
                return slots[slot];
            }
        }
        return null;
    }

    CommandSpec find(String name) {
        byte[] bytes = name.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > maxLength) {
            return null;
        }
        for (int slot = hash(bytes) & mask; names[slot] != null; slot = (slot + 1) & mask) {
            if (Arrays.equals(names[slot], bytes)) {
                return slots[slot];
            }
        }
        return null;
    }

    private static boolean sameIgnoringCase(byte[] lowerName, CommandArgs args, int argIndex) {
        for (int i = 0; i < lowerName.length; i++) {
            if (lower(args.byteAt(argIndex, i)) != lowerName[i]) {
                return false;
            }
        }
        return true;
    }

    private static int hash(byte[] lowerName) {
        int h = FNV_OFFSET;
        for (byte b : lowerName) {
            h = (h ^ lower(b)) * FNV_PRIME;
        }
        return spread(h);
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }

    private static int lower(byte b) {
        return b >= 'A' && b <= 'Z' ? b + 32 : b;
    }
}
