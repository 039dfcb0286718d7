package io.respproxy.proxy.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Loads and validates the configuration: the user's HOCON file over the jar's reference.conf,
 * {@code ${?ENV}} substitution, {@code password-file}s, then every check, reporting every problem
 * at once in a {@link ConfigException}.
 *
 * <p>Each {@code respproxy.services.<name>} is merged over {@code respproxy.service-defaults}
 * (which the user may also override, for all services at once).
 */
public final class ProxyConfigLoader {
    /** Where the daemon looks when {@code -c} is not given. */
    public static final Path DEFAULT_FILE = Path.of("/etc/respproxy/respproxy.conf");

    private static final Pattern SERVICE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");
    private static final List<String> LOG_LEVELS = List.of("trace", "debug", "info", "warn", "error", "off");

    private ProxyConfigLoader() {}

    /** Loads {@code file}, substituting {@code ${?NAME}} from the process environment. */
    public static ProxyConfig load(Path file) throws ConfigException {
        return load(file, System.getenv());
    }

    /**
     * Loads {@code file}, substituting {@code ${?NAME}} from {@code env} only. Relative
     * {@code password-file} paths are relative to the file's directory.
     */
    public static ProxyConfig load(Path file, Map<String, String> env) throws ConfigException {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            String why = Files.exists(file) ? (Files.isDirectory(file) ? "is a directory" : "permission denied") : "no such file";
            throw new ConfigException(List.of(new ConfigProblem("", "cannot read configuration file " + file + ": " + why)));
        }
        Path dir = file.toAbsolutePath().getParent();
        return parse(() -> ConfigFactory.parseFile(file.toFile(), options()), env, dir);
    }

    /** Parses HOCON text with no environment (for tests). */
    public static ProxyConfig loadFromString(String hocon) throws ConfigException {
        return loadFromString(hocon, Map.of());
    }

    /**
     * Parses HOCON text, substituting {@code ${?NAME}} from {@code env}. Relative
     * {@code password-file} paths are relative to the working directory.
     */
    public static ProxyConfig loadFromString(String hocon, Map<String, String> env) throws ConfigException {
        return parse(() -> ConfigFactory.parseString(hocon, options()), env, Path.of("").toAbsolutePath());
    }

    private static ConfigParseOptions options() {
        return ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false);
    }

    private interface Source {
        Config parse();
    }

    private static ProxyConfig parse(Source source, Map<String, String> env, Path baseDir) throws ConfigException {
        Problems problems = new Problems();
        Config user;
        Config merged;
        Config reference = ConfigFactory.parseResources(ProxyConfigLoader.class.getClassLoader(), "reference.conf");
        try {
            user = source.parse();
            // The environment is the last fallback, so ${?NAME} finds it; only `respproxy` is read.
            Config envConfig = ConfigValueFactory.fromMap(Map.copyOf(env)).toConfig();
            merged = user.withFallback(reference).withFallback(envConfig)
                    .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
        } catch (com.typesafe.config.ConfigException e) {
            // Syntax errors and ${NAME} without '?' that nothing defines. Typesafe's message has
            // the file and line; it quotes the offending token, never a resolved value.
            problems.add("", e.getMessage());
            problems.throwIfAny();
            throw new AssertionError("unreachable");
        }
        try {
            ProxyConfig config = build(user, merged, reference, problems, baseDir);
            problems.throwIfAny();
            return config;
        } catch (com.typesafe.config.ConfigException e) {
            // A shape the checks above did not foresee: still a problem report, not a stack trace.
            problems.add("", "invalid configuration: " + e.getMessage());
            problems.throwIfAny();
            throw new AssertionError("unreachable");
        }
    }

    private static ProxyConfig build(Config user, Config merged, Config reference, Problems problems, Path baseDir) {
        for (String key : user.root().keySet()) {
            if (!key.equals("respproxy")) {
                problems.add(ConfigUtil.joinPath(key), "unknown setting (everything goes under respproxy { ... })",
                        ConfigReader.describe(user.root().get(key).origin()));
            }
        }
        ConfigValue rootValue = merged.root().get("respproxy");
        if (!(rootValue instanceof ConfigObject root)) {
            problems.add("respproxy", "expected an object, got " + ConfigReader.show(rootValue));
            return null;
        }
        ConfigObject schema = reference.getObject("respproxy");
        new SchemaCheck(problems, Set.of("nat")).check(root, schema, "respproxy", Set.of("services"));
        ConfigReader top = new ConfigReader(root.toConfig(), "respproxy", problems, baseDir);

        Map<String, ServiceConfig> services = services(top, root, schema, problems);
        Optional<HostPort> admin = top.optString("admin.listen").filter(s -> !s.isBlank())
                .flatMap(s -> top.address("admin.listen", s));
        ListenConflicts.check(services, admin, problems);
        Duration drain = top.duration("drain-timeout", Duration.ZERO);
        int loops = top.integer("event-loops", 0, 1024);
        String level = top.choice("log-level", LOG_LEVELS, "missing").orElse("info").toUpperCase(java.util.Locale.ROOT);
        long clientMemory = "auto".equals(top.optString("max-memory-clients").orElse(null))
                ? ProxyConfig.MEMORY_CLIENTS_AUTO : top.bytes("max-memory-clients", 0, Long.MAX_VALUE);
        return new ProxyConfig(services, admin, drain,
                loops == 0 ? Runtime.getRuntime().availableProcessors() : loops, level, clientMemory);
    }

    private static Map<String, ServiceConfig> services(
            ConfigReader top, ConfigObject root, ConfigObject schema, Problems problems) {
        Map<String, ServiceConfig> out = new LinkedHashMap<>();
        ConfigValue servicesValue = root.get("services");
        if (!(servicesValue instanceof ConfigObject services)) {
            top.problem("services", "expected an object { name { ... } }, got " + ConfigReader.show(servicesValue));
            return out;
        }
        if (services.isEmpty()) {
            top.problem("services", "no services configured (at least one is required)");
            return out;
        }
        if (!(root.get("service-defaults") instanceof ConfigObject defaults)) {
            return out; // the schema check has reported it
        }
        ConfigObject defaultsSchema = (ConfigObject) schema.get("service-defaults");
        SchemaCheck schemaCheck = new SchemaCheck(problems, Set.of("nat"));
        // ConfigObject does not keep file order; the origin's line number restores it.
        List<Map.Entry<String, ConfigValue>> entries = new java.util.ArrayList<>(services.entrySet());
        entries.sort(java.util.Comparator.<Map.Entry<String, ConfigValue>>comparingInt(
                e -> e.getValue().origin().lineNumber()).thenComparing(Map.Entry::getKey));
        for (Map.Entry<String, ConfigValue> e : entries) {
            String name = e.getKey();
            String prefix = ConfigUtil.joinPath("respproxy", "services", name);
            if (!SERVICE_NAME.matcher(name).matches()) {
                problems.add(prefix, "bad service name: use letters, digits, '-' and '_'",
                        ConfigReader.describe(e.getValue().origin()));
                continue;
            }
            if (!(e.getValue() instanceof ConfigObject written)) {
                problems.add(prefix, "expected an object, got " + ConfigReader.show(e.getValue()),
                        ConfigReader.describe(e.getValue().origin()));
                continue;
            }
            schemaCheck.check(written, defaultsSchema, prefix, Set.of());
            Config service = written.toConfig().withFallback(defaults.toConfig());
            out.put(name, new ServiceParser(top.child(service, prefix), written).parse(name));
        }
        return out;
    }
}
