package io.respproxy.proxy.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Typed reads from one section of a resolved config that record a {@link ConfigProblem} instead of
 * throwing, so one pass finds every problem. On a problem a getter returns a placeholder (empty,
 * zero): the caller builds records from it anyway and the loader discards them.
 *
 * <p>Messages quote offending values except for passwords, which {@link #secret} never prints.
 */
final class ConfigReader {
    private final Config config;
    private final String prefix;
    private final Problems problems;
    private final Path baseDir;

    ConfigReader(Config config, String prefix, Problems problems, Path baseDir) {
        this.config = config;
        this.prefix = prefix;
        this.problems = problems;
        this.baseDir = baseDir;
    }

    /** A reader for another config (e.g. a list element) shown under {@code displayPath}. */
    ConfigReader child(Config other, String displayPath) {
        return new ConfigReader(other, displayPath, problems, baseDir);
    }

    Problems problems() {
        return problems;
    }

    Path baseDir() {
        return baseDir;
    }

    Config config() {
        return config;
    }

    /** The full display path of {@code rel}. */
    String path(String rel) {
        return rel.isEmpty() ? prefix : prefix + "." + rel;
    }

    /** Records a problem at {@code rel}, with the origin of its value when it has one. */
    void problem(String rel, String message) {
        problems.add(path(rel), message, originOf(rel));
    }

    /** True when {@code rel} holds a value that is not null. */
    boolean isSet(String rel) {
        return safeHasPath(rel) && config.hasPath(rel);
    }

    /** The raw value at {@code rel}, or empty when missing or null. */
    Optional<ConfigValue> value(String rel) {
        return isSet(rel) ? Optional.of(config.getValue(rel)) : Optional.empty();
    }

    private boolean safeHasPath(String rel) {
        try {
            return config.hasPathOrNull(rel);
        } catch (com.typesafe.config.ConfigException e) {
            return false; // a parent is not an object: the schema check reported that already
        }
    }

    private String originOf(String rel) {
        try {
            return isSet(rel) ? describe(config.getValue(rel).origin()) : "";
        } catch (com.typesafe.config.ConfigException e) {
            return "";
        }
    }

    /** "file.conf:12", "line 12" or "" when the origin has no line (reference.conf, env). */
    static String describe(ConfigOrigin origin) {
        if (origin == null || origin.lineNumber() < 0 || origin.resource() != null) {
            return "";
        }
        String file = origin.filename();
        return file == null ? "line " + origin.lineNumber() : Path.of(file).getFileName() + ":" + origin.lineNumber();
    }

    /** Shows a non-secret value in a message: strings quoted, other types by their type name. */
    static String show(ConfigValue v) {
        return v.valueType() == ConfigValueType.STRING
                ? "'" + v.unwrapped() + "'"
                : "a " + v.valueType().name().toLowerCase(Locale.ROOT);
    }

    /** An optional string; non-strings are a problem. */
    Optional<String> optString(String rel) {
        Optional<ConfigValue> v = value(rel);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (v.get().valueType() != ConfigValueType.STRING) {
            problem(rel, "expected a string, got " + show(v.get()));
            return Optional.empty();
        }
        return Optional.of((String) v.get().unwrapped());
    }

    /** One of {@code choices} (lower case); missing or anything else is a problem. */
    Optional<String> choice(String rel, List<String> choices, String whenMissing) {
        Optional<ConfigValue> v = value(rel);
        if (v.isEmpty()) {
            problem(rel, whenMissing);
            return Optional.empty();
        }
        Object raw = v.get().unwrapped();
        String text = raw instanceof String s ? s.trim().toLowerCase(Locale.ROOT) : null;
        if (text == null || !choices.contains(text)) {
            problem(rel, "bad value " + show(v.get()) + ": expected " + String.join(", ", choices));
            return Optional.empty();
        }
        return Optional.of(text);
    }

    boolean bool(String rel) {
        try {
            return config.getBoolean(rel);
        } catch (com.typesafe.config.ConfigException e) {
            problem(rel, mismatch(rel, "true or false"));
            return false;
        }
    }

    /** An integer in [min, max]; numeric strings (from ${?ENV}) count. */
    int integer(String rel, int min, int max) {
        Number n;
        try {
            n = config.getNumber(rel);
        } catch (com.typesafe.config.ConfigException e) {
            problem(rel, mismatch(rel, "an integer"));
            return min;
        }
        if (n.doubleValue() != Math.rint(n.doubleValue())) {
            problem(rel, mismatch(rel, "an integer"));
            return min;
        }
        long value = n.longValue();
        if (value < min || value > max) {
            problem(rel, "must be between " + min + " and " + max + ", got " + value);
            return min;
        }
        return (int) value;
    }

    /**
     * A size in bytes in [min, max]. Units as in redis.conf, case-insensitive: k = 1000, kb = 1024,
     * m = 1000^2, mb = 1024^2, g = 1000^3, gb = 1024^3; a plain number is bytes. Other HOCON size
     * forms ("512MiB") are accepted too.
     */
    long bytes(String rel, long min, long max) {
        long value;
        try {
            Optional<ConfigValue> v = value(rel);
            Long redis = v.isPresent() && v.get().unwrapped() instanceof String s ? redisSize(s) : null;
            value = redis != null ? redis : config.getBytes(rel);
        } catch (com.typesafe.config.ConfigException | ArithmeticException e) {
            problem(rel, mismatch(rel, "a size such as 16kb or 512mb"));
            return min;
        }
        if (value < min || value > max) {
            problem(rel, "must be between " + min + " and " + max + " bytes, got " + value);
            return min;
        }
        return value;
    }

    private static final java.util.regex.Pattern REDIS_SIZE =
            java.util.regex.Pattern.compile("(\\d{1,18})\\s*(b|k|kb|m|mb|g|gb)?", java.util.regex.Pattern.CASE_INSENSITIVE);

    /** Parses a redis.conf size, or returns null when {@code text} is not one. */
    static Long redisSize(String text) {
        java.util.regex.Matcher m = REDIS_SIZE.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long factor = switch (unit) {
            case "k" -> 1000L;
            case "kb" -> 1024L;
            case "m" -> 1000L * 1000;
            case "mb" -> 1024L * 1024;
            case "g" -> 1000L * 1000 * 1000;
            case "gb" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        return Math.multiplyExact(n, factor);
    }

    /** A duration ("100ms", "10s"; a plain number is milliseconds), at least {@code min}. */
    Duration duration(String rel, Duration min) {
        Duration value;
        try {
            value = config.getDuration(rel);
        } catch (com.typesafe.config.ConfigException e) {
            problem(rel, mismatch(rel, "a duration such as 500ms or 10s"));
            return min;
        }
        if (value.compareTo(min) < 0) {
            problem(rel, min.isZero() ? "must not be negative" : "must be at least " + min.toMillis() + "ms");
            return min;
        }
        return value;
    }

    private String mismatch(String rel, String expected) {
        Optional<ConfigValue> v = value(rel);
        return v.isEmpty() ? "missing (expected " + expected + ")" : "expected " + expected + ", got " + show(v.get());
    }

    /** A list of strings; null counts as empty. */
    List<String> stringList(String rel) {
        Optional<ConfigValue> v = value(rel);
        if (v.isEmpty()) {
            return List.of();
        }
        if (!(v.get() instanceof ConfigList list)) {
            problem(rel, "expected a list, got " + show(v.get()));
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            ConfigValue item = list.get(i);
            if (item.valueType() != ConfigValueType.STRING) {
                problems.add(path(rel) + "[" + i + "]", "expected a string, got " + show(item), describe(item.origin()));
            } else {
                out.add((String) item.unwrapped());
            }
        }
        return out;
    }

    /** An optional "host:port". */
    Optional<HostPort> optAddress(String rel) {
        return optString(rel).flatMap(s -> address(rel, s));
    }

    /** Parses {@code text} as "host:port", recording a problem at {@code rel} if it is not one. */
    Optional<HostPort> address(String rel, String text) {
        try {
            return Optional.of(HostPort.parse(text));
        } catch (IllegalArgumentException e) {
            problem(rel, e.getMessage());
            return Optional.empty();
        }
    }

    /** A list of "host:port"; {@code whenEmpty} is the problem for an empty list. */
    List<HostPort> addressList(String rel, String whenEmpty) {
        List<String> texts = stringList(rel);
        if (texts.isEmpty() && !problems.hasAt(path(rel))) {
            problem(rel, whenEmpty);
        }
        List<HostPort> out = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String display = rel + "[" + i + "]";
            address(display, texts.get(i)).ifPresent(out::add);
        }
        return out;
    }

    /** Reports every key of the object at {@code rel} that is not in {@code allowed}. */
    void onlyKeys(ConfigObject object, Set<String> allowed) {
        for (String key : object.keySet()) {
            if (!allowed.contains(key)) {
                problems.add(path(com.typesafe.config.ConfigUtil.joinPath(key)), "unknown setting",
                        describe(object.get(key).origin()));
            }
        }
    }

    /**
     * A password given either inline ({@code passwordKey}) or as a file ({@code fileKey}), never
     * both. Messages never contain the password or the file's contents.
     */
    Optional<Secret> secret(String passwordKey, String fileKey) {
        Optional<ConfigValue> inline = value(passwordKey);
        Optional<String> file = optString(fileKey);
        if (inline.isPresent() && file.isPresent()) {
            problem(fileKey, "both " + passwordKey + " and " + fileKey + " are set: use one");
            return Optional.empty();
        }
        if (inline.isPresent()) {
            if (inline.get().valueType() != ConfigValueType.STRING) {
                // Do not show the value: it is a password, even if it was not quoted.
                problem(passwordKey, "expected a string (quote the password), got a "
                        + inline.get().valueType().name().toLowerCase(Locale.ROOT));
                return Optional.empty();
            }
            String password = (String) inline.get().unwrapped();
            if (password.isEmpty()) {
                problem(passwordKey, "empty (use null for no password)");
                return Optional.empty();
            }
            return Optional.of(Secret.of(password));
        }
        return file.flatMap(f -> PasswordFile.read(baseDir.resolve(f), path(fileKey), problems));
    }
}
