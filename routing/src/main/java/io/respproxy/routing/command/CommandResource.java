package io.respproxy.routing.command;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the line format of {@code commands.txt} (documented in its header and in
 * {@code routing/tools/gen_commands.py}) into {@link CommandInfo} entries, subcommands attached to
 * their containers. Malformed lines fail loudly with their line number: the resource is ours.
 */
final class CommandResource {

    static final String PATH = "/io/respproxy/routing/commands.txt";

    private CommandResource() {
    }

    static List<CommandInfo> load() {
        try (InputStream in = CommandResource.class.getResourceAsStream(PATH)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + PATH);
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + PATH, e);
        }
    }

    static List<CommandInfo> parse(String text) {
        Map<String, CommandInfo> top = new LinkedHashMap<>();
        Map<String, List<CommandInfo>> subs = new LinkedHashMap<>();
        int lineNo = 0;
        try (BufferedReader reader = new BufferedReader(new java.io.StringReader(text))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNo++;
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                CommandInfo info = parseLine(line, lineNo);
                int bar = info.name().indexOf('|');
                if (bar < 0) {
                    if (top.put(info.name(), info) != null) {
                        throw new IllegalArgumentException("line " + lineNo + ": duplicate " + info.name());
                    }
                } else {
                    subs.computeIfAbsent(info.name().substring(0, bar), k -> new ArrayList<>()).add(info);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<CommandInfo> result = new ArrayList<>();
        for (CommandInfo info : top.values()) {
            List<CommandInfo> mine = subs.remove(info.name());
            result.add(mine == null ? info : withSubcommands(info, mine));
        }
        if (!subs.isEmpty()) {
            throw new IllegalArgumentException("subcommands without a container line: " + subs.keySet());
        }
        return result;
    }

    static CommandInfo withSubcommands(CommandInfo info, List<CommandInfo> subcommands) {
        return new CommandInfo(info.name(), info.arity(), info.flags(), info.firstKey(), info.lastKey(), info.step(),
                info.aclCategories(), info.tips(), info.keySpecs(), subcommands);
    }

    /** {@code name arity flags acl tips group since keyspec...} */
    static CommandInfo parseLine(String line, int lineNo) {
        String[] f = line.split(" ");
        if (f.length < 7) {
            throw new IllegalArgumentException("line " + lineNo + ": expected at least 7 fields: " + line);
        }
        try {
            List<KeySpec> specs = new ArrayList<>();
            for (int i = 7; i < f.length; i++) {
                specs.add(parseKeySpec(f[i]));
            }
            return new CommandInfo(f[0], Integer.parseInt(f[1]), list(f[2]), 0, 0, 0, list(f[3]), list(f[4]),
                    specs, List.of());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("line " + lineNo + ": " + e.getMessage() + ": " + line, e);
        }
    }

    /** {@code FLAGS/BEGIN/FIND}, see the resource header. */
    static KeySpec parseKeySpec(String token) {
        String[] p = token.split("/", 3);
        if (p.length != 3) {
            throw new IllegalArgumentException("bad key spec " + token);
        }
        int flags = KeySpec.flagMask(list(p[0]));
        String begin = p[1];
        String find = p[2];
        if (begin.equals("unknown") || find.equals("unknown")) {
            return KeySpec.unknown(flags);
        }
        int[] n = ints(find.substring(1));
        boolean range = find.charAt(0) == 'r';
        if (!range && find.charAt(0) != 'n') {
            throw new IllegalArgumentException("bad find_keys " + find);
        }
        if (begin.charAt(0) == 'i') {
            int index = Integer.parseInt(begin.substring(1));
            return range ? KeySpec.range(flags, index, n[0], n[1], n[2]) : KeySpec.keynum(flags, index, n[0], n[1], n[2]);
        }
        if (begin.charAt(0) == 'k') {
            int at = begin.lastIndexOf('@');
            String keyword = begin.substring(1, at);
            int startFrom = Integer.parseInt(begin.substring(at + 1));
            return range ? KeySpec.keywordRange(flags, keyword, startFrom, n[0], n[1], n[2])
                    : KeySpec.keywordKeynum(flags, keyword, startFrom, n[0], n[1], n[2]);
        }
        throw new IllegalArgumentException("bad begin_search " + begin);
    }

    private static int[] ints(String csv) {
        int[] n = Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
        if (n.length != 3) {
            throw new IllegalArgumentException("expected 3 numbers: " + csv);
        }
        return n;
    }

    private static List<String> list(String field) {
        return field.equals("-") ? List.of() : List.of(field.split(","));
    }
}
