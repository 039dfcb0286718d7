package io.respproxy.proxy.metrics;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests: every line must be
 * a HELP, a TYPE or a sample of the family the last TYPE declared; names, label names and values
 * are checked; a series appears once; a histogram's buckets are cumulative and end with a +Inf
 * bucket equal to its count. Throws {@link IllegalArgumentException} on anything else.
 */
public final class PromText {

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One sample: its name (with any _bucket/_count/_sum suffix), labels and value. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    /** One family: the name its TYPE line gives, its type, help and samples in order. */
    public record Family(String name, String type, String help, List<Sample> samples) {
        /** The samples named {@code name} whose labels include every entry of {@code labels}. */
        public List<Sample> find(String sampleName, Map<String, String> labels) {
            List<Sample> out = new ArrayList<>();
            for (Sample s : samples) {
                if (s.name.equals(sampleName) && s.labels.entrySet().containsAll(labels.entrySet())) {
                    out.add(s);
                }
            }
            return out;
        }
    }

    private PromText() {}

    /** The families of {@code text}, by name, in order. */
    public static Map<String, Family> parse(String text) {
        Map<String, Family> families = new LinkedHashMap<>();
        Map<String, String> helps = new LinkedHashMap<>();
        Set<String> series = new HashSet<>();
        Family current = null;
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            try {
                if (line.startsWith("# HELP ")) {
                    String rest = line.substring(7);
                    int sp = rest.indexOf(' ');
                    String name = sp < 0 ? rest : rest.substring(0, sp);
                    checkName(name);
                    if (helps.put(name, sp < 0 ? "" : rest.substring(sp + 1)) != null) {
                        throw new IllegalArgumentException("second HELP for " + name);
                    }
                } else if (line.startsWith("# TYPE ")) {
                    String[] parts = line.substring(7).split(" ");
                    if (parts.length != 2 || !TYPES.contains(parts[1])) {
                        throw new IllegalArgumentException("bad TYPE line");
                    }
                    checkName(parts[0]);
                    if (families.containsKey(parts[0])) {
                        throw new IllegalArgumentException("second TYPE for " + parts[0]);
                    }
                    current = new Family(parts[0], parts[1], helps.getOrDefault(parts[0], ""), new ArrayList<>());
                    families.put(parts[0], current);
                } else if (line.startsWith("#")) {
                    continue; // a comment
                } else {
                    Sample s = sample(line);
                    if (current == null || !belongs(s.name, current)) {
                        throw new IllegalArgumentException("sample " + s.name + " outside its family's block");
                    }
                    if (!series.add(s.name + new TreeMap<>(s.labels))) {
                        throw new IllegalArgumentException("duplicate series " + s.name + s.labels);
                    }
                    current.samples.add(s);
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + lineNo + ": " + e.getMessage() + ": " + line, e);
            }
        }
        for (Family f : families.values()) {
            if ("histogram".equals(f.type)) {
                checkHistogram(f);
            }
        }
        return families;
    }

    private static boolean belongs(String sample, Family f) {
        if (sample.equals(f.name)) {
            return !"histogram".equals(f.type);
        }
        if ("histogram".equals(f.type)) {
            return sample.equals(f.name + "_bucket") || sample.equals(f.name + "_count") || sample.equals(f.name + "_sum");
        }
        if ("summary".equals(f.type)) {
            return sample.equals(f.name + "_count") || sample.equals(f.name + "_sum");
        }
        return false;
    }

    private static void checkName(String name) {
        if (!METRIC_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("bad metric name '" + name + "'");
        }
    }

    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        checkName(name);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String label = line.substring(i, eq);
                if (!LABEL_NAME.matcher(label).matches() || label.startsWith("__")) {
                    throw new IllegalArgumentException("bad label name '" + label + "'");
                }
                if (line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("label value not quoted");
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char n = line.charAt(++j);
                        switch (n) {
                            case '\\' -> value.append('\\');
                            case '"' -> value.append('"');
                            case 'n' -> value.append('\n');
                            default -> throw new IllegalArgumentException("bad escape \\" + n);
                        }
                    } else {
                        value.append(c);
                    }
                }
                if (labels.put(label, value.toString()) != null) {
                    throw new IllegalArgumentException("label " + label + " twice");
                }
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                } else if (line.charAt(i) != '}') {
                    throw new IllegalArgumentException("expected , or }");
                }
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new IllegalArgumentException("expected a space before the value");
        }
        String[] rest = line.substring(i + 1).split(" ");
        if (rest.length < 1 || rest.length > 2) {
            throw new IllegalArgumentException("expected a value and an optional timestamp");
        }
        if (rest.length == 2) {
            Long.parseLong(rest[1]);
        }
        return new Sample(name, labels, value(rest[0]));
    }

    private static double value(String s) {
        return switch (s) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }

    /** Per series (labels without le): cumulative buckets ending in +Inf == count, and a sum. */
    private static void checkHistogram(Family f) {
        Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
        Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
        Set<Map<String, String>> sums = new HashSet<>();
        for (Sample s : f.samples) {
            Map<String, String> key = new TreeMap<>(s.labels);
            if (s.name.endsWith("_bucket")) {
                if (!key.containsKey("le")) {
                    throw new IllegalArgumentException(f.name + ": bucket without le");
                }
                key.remove("le");
                buckets.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
            } else if (s.name.endsWith("_count")) {
                counts.put(key, s.value);
            } else {
                sums.add(key);
            }
        }
        if (!buckets.keySet().equals(counts.keySet()) || !sums.equals(counts.keySet())) {
            throw new IllegalArgumentException(f.name + ": every series needs buckets, a count and a sum");
        }
        buckets.forEach((key, list) -> {
            double le = Double.NEGATIVE_INFINITY;
            double previous = 0;
            for (Sample b : list) {
                double bound = value(b.labels.get("le"));
                if (bound <= le || b.value < previous) {
                    throw new IllegalArgumentException(f.name + key + ": buckets not increasing / cumulative");
                }
                le = bound;
                previous = b.value;
            }
            if (le != Double.POSITIVE_INFINITY || previous != counts.get(key)) {
                throw new IllegalArgumentException(f.name + key + ": the +Inf bucket must be last and equal the count");
            }
        });
    }
}
