package io.respproxy.proxy.config;

import io.respproxy.routing.route.ListenerRole;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Builds one {@link ServiceConfig} from {@code respproxy.services.<name>} merged over the service
 * defaults: mode and topology, listeners, users, denied commands. The tuning sections
 * (backend, limits, health, failover, writes) are {@link TuningParser}'s, {@code nat} is {@link NatParser}'s,
 * {@code announce} is {@link AnnounceParser}'s.
 */
final class ServiceParser {
    private static final List<String> MODES = List.of("static", "sentinel", "cluster");
    static final List<String> LISTENER_NAMES = List.of("read", "write", "auto");
    private static final Set<String> LISTENER_KEYS = Set.of("address", "role");
    private static final Set<String> USER_KEYS = Set.of("name", "password", "password-file", "read-only", "listeners");

    private final ConfigReader in;
    private final ConfigObject written;

    /**
     * @param in      the merged service section
     * @param written the service as the user wrote it (to tell settings apart from defaults)
     */
    ServiceParser(ConfigReader in, ConfigObject written) {
        this.in = in;
        this.written = written;
    }

    ServiceConfig parse(String name) {
        Optional<Mode> mode = in.choice("mode", MODES, "missing (expected " + String.join(", ", MODES) + ")")
                .map(m -> Mode.valueOf(m.toUpperCase(Locale.ROOT)));
        TopologyConfig topology = mode.map(this::topology).orElse(null);
        List<ListenerConfig> listeners = listeners();
        TuningParser tuning = new TuningParser(in);
        return new ServiceConfig(
                name,
                topology,
                listeners,
                new ReadPortConfig(
                        in.choice("read-port.writes", List.of("master", "reject"), "missing").orElse("master")
                                .equals("master"),
                        in.bool("read-port.fallback-to-master")),
                users(listeners),
                in.choice("protected-mode", List.of("auto", "yes", "no"), "missing")
                        .map(p -> ProtectedMode.valueOf(p.toUpperCase(Locale.ROOT))).orElse(ProtectedMode.AUTO),
                tuning.backend(),
                tuning.limits(),
                tuning.health(),
                tuning.failover(),
                tuning.writes(),
                denyCommands(),
                new NatParser(in).parse(),
                new AnnounceParser(in).parse(mode, written, listeners));
    }

    private TopologyConfig topology(Mode mode) {
        // Settings of another mode are a mistake worth reporting: the user believes they apply.
        for (Mode other : Mode.values()) {
            if (other != mode && written.containsKey(other.configName())) {
                in.problem(other.configName(), "only used when mode = " + other.configName()
                        + " (this service has mode = " + mode.configName() + ")");
            }
        }
        String why = "when mode = " + mode.configName();
        return switch (mode) {
            case STATIC -> new TopologyConfig.Static(
                    in.addressList("static.servers", "empty (at least one server is required " + why + ")"));
            case SENTINEL -> {
                Optional<String> master = in.optString("sentinel.master-name");
                if (master.isEmpty() && !in.problems().hasAt(in.path("sentinel.master-name"))) {
                    in.problem("sentinel.master-name", "missing (required " + why + ")");
                } else if (master.isPresent() && master.get().isBlank()) {
                    in.problem("sentinel.master-name", "empty (required " + why + ")");
                }
                List<HostPort> nodes =
                        in.addressList("sentinel.nodes", "empty (at least one Sentinel is required " + why + ")");
                Optional<String> user = in.optString("sentinel.user");
                Optional<Secret> password = in.secret("sentinel.password", "sentinel.password-file");
                TuningParser.requirePasswordWithUser(in, "sentinel", user, password);
                Duration timeout = in.duration("sentinel.timeout", Duration.ofMillis(1));
                Duration poll = in.duration("sentinel.poll-interval", Duration.ofMillis(10));
                yield new TopologyConfig.Sentinel(master.orElse(""), nodes, user, password, timeout, poll);
            }
            case CLUSTER -> new TopologyConfig.Cluster(
                    in.addressList("cluster.seeds", "empty (at least one seed node is required " + why + ")"),
                    in.duration("cluster.timeout", Duration.ofMillis(1)),
                    in.duration("cluster.refresh-interval", Duration.ofMillis(10)));
        };
    }

    private List<ListenerConfig> listeners() {
        List<ListenerConfig> out = new ArrayList<>();
        boolean anySet = false;
        for (String name : LISTENER_NAMES) {
            String rel = "listen." + name;
            Optional<ConfigValue> value = in.value(rel);
            if (value.isEmpty()) {
                continue;
            }
            anySet = true;
            ListenerRole defaultRole = ListenerRole.valueOf(name.toUpperCase(Locale.ROOT));
            if (value.get().valueType() == ConfigValueType.STRING) {
                in.optAddress(rel).ifPresent(a -> out.add(new ListenerConfig(name, a, defaultRole)));
            } else if (value.get() instanceof ConfigObject object) {
                ConfigReader entry = in.child(object.toConfig(), in.path(rel));
                entry.onlyKeys(object, LISTENER_KEYS);
                Optional<HostPort> address = entry.optAddress("address");
                if (address.isEmpty() && !in.problems().hasAt(entry.path("address"))) {
                    entry.problem("address", "missing (\"host:port\")");
                }
                ListenerRole role = entry.isSet("role")
                        ? entry.choice("role", LISTENER_NAMES, "missing")
                                .map(r -> ListenerRole.valueOf(r.toUpperCase(Locale.ROOT))).orElse(defaultRole)
                        : defaultRole;
                address.ifPresent(a -> out.add(new ListenerConfig(name, a, role)));
            } else {
                in.problem(rel, "expected \"host:port\" or { address, role }, got " + ConfigReader.show(value.get()));
            }
        }
        if (!anySet && !in.problems().hasAt(in.path("listen"))) {
            in.problem("listen", "no listeners (set listen.read, listen.write or listen.auto)");
        }
        return out;
    }

    private List<UserConfig> users(List<ListenerConfig> listeners) {
        Optional<ConfigValue> value = in.value("users");
        if (value.isEmpty()) {
            return List.of();
        }
        if (!(value.get() instanceof ConfigList list)) {
            in.problem("users", "expected a list of { name, password }, got " + ConfigReader.show(value.get()));
            return List.of();
        }
        Set<String> listenerNames = new LinkedHashSet<>();
        listeners.forEach(l -> listenerNames.add(l.name()));
        List<UserConfig> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String display = in.path("users") + "[" + i + "]";
            if (!(list.get(i) instanceof ConfigObject object)) {
                in.problems().add(display, "expected { name, password }, got " + ConfigReader.show(list.get(i)),
                        ConfigReader.describe(list.get(i).origin()));
                continue;
            }
            ConfigReader user = in.child(object.toConfig(), display);
            user.onlyKeys(object, USER_KEYS);
            Optional<String> name = user.optString("name");
            if (name.isEmpty() && !user.problems().hasAt(user.path("name"))) {
                user.problem("name", "missing");
            } else if (name.isPresent() && (name.get().isEmpty() || name.get().chars().anyMatch(Character::isWhitespace))) {
                user.problem("name", "must be a non-empty word without spaces");
            } else if (name.isPresent() && !seen.add(name.get())) {
                user.problem("name", "duplicate user '" + name.get() + "'");
            }
            Optional<Secret> password = user.secret("password", "password-file");
            if (password.isEmpty() && !user.isSet("password") && !user.isSet("password-file")) {
                user.problem("password", "missing (set password or password-file)");
            }
            boolean readOnly = user.isSet("read-only") && user.bool("read-only");
            Optional<Set<String>> allowed = Optional.empty();
            if (user.isSet("listeners")) {
                Set<String> names = new LinkedHashSet<>(user.stringList("listeners"));
                for (String n : names) {
                    if (!listenerNames.contains(n)) {
                        user.problem("listeners", "unknown listener '" + n + "' (this service has: "
                                + String.join(", ", listenerNames) + ")");
                    }
                }
                allowed = Optional.of(names);
            }
            out.add(new UserConfig(name.orElse(""), password.orElse(null), readOnly, allowed));
        }
        return out;
    }

    private Set<String> denyCommands() {
        Set<String> out = new LinkedHashSet<>();
        List<String> entries = in.stringList("deny-commands");
        for (int i = 0; i < entries.size(); i++) {
            String[] words = entries.get(i).trim().toUpperCase(Locale.ROOT).split("\\s+");
            if (words.length == 0 || words.length > 2 || words[0].isEmpty()) {
                in.problems().add(in.path("deny-commands") + "[" + i + "]",
                        "bad entry '" + entries.get(i) + "': expected NAME or \"NAME SUBCOMMAND\"");
            } else {
                out.add(String.join(" ", words));
            }
        }
        return out;
    }
}
