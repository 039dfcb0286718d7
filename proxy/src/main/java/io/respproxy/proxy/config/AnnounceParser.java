package io.respproxy.proxy.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a service's {@code announce} object: for {@code mode = cluster}, the address each listener
 * tells cluster-aware clients (CLUSTER SLOTS, NODES, SHARDS) to connect to, keyed by listener name:
 * <pre>
 * announce {
 *   write = "192.0.2.10:16380"     # that address
 *   read  = "proxy.example.com"   # that host, with the listener's own port
 * }
 * </pre>
 * Unknown keys are the schema check's to report (reference.conf lists read, write and auto).
 */
final class AnnounceParser {

    static final String EXPECTED = "expected \"host:port\" or \"host\" (the listener's port)";

    private final ConfigReader in;

    AnnounceParser(ConfigReader in) {
        this.in = in;
    }

    /**
     * @param mode      the service's mode, when valid
     * @param written   the service as the user wrote it: {@code announce} there outside cluster mode is a mistake
     * @param listeners the service's listeners
     */
    Map<String, HostPort> parse(Optional<Mode> mode, ConfigObject written, List<ListenerConfig> listeners) {
        Optional<ConfigValue> value = in.value("announce");
        if (value.isEmpty() || !(value.get() instanceof ConfigObject object)
                || in.problems().hasAt(in.path("announce"))) {
            return Map.of(); // not an object: the schema check has said so
        }
        if (mode.isPresent() && mode.get() != Mode.CLUSTER) {
            if (written.containsKey("announce") && hasEntries(object)) {
                in.problem("announce", "only used when mode = cluster, to tell cluster-aware clients where the"
                        + " proxy is (this service has mode = " + mode.get().configName() + ")");
            }
            return Map.of();
        }
        Map<String, HostPort> out = new LinkedHashMap<>();
        for (ListenerConfig l : listeners) {
            announced(l).ifPresent(a -> out.put(l.name(), a));
        }
        for (String name : object.keySet()) {
            boolean listened = listeners.stream().anyMatch(l -> l.name().equals(name));
            if (!listened && in.isSet("announce." + name) && ServiceParser.LISTENER_NAMES.contains(name)) {
                in.problem("announce." + name, "no listener '" + name + "' (listen." + name + " is not set)");
            }
        }
        return out;
    }

    private Optional<HostPort> announced(ListenerConfig l) {
        String rel = "announce." + l.name();
        Optional<ConfigValue> value = in.value(rel);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (value.get().valueType() != ConfigValueType.STRING) {
            in.problem(rel, EXPECTED + ", got " + ConfigReader.show(value.get()));
            return Optional.empty();
        }
        String text = ((String) value.get().unwrapped()).trim();
        HostPort address;
        try {
            address = HostPort.hasPort(text) ? HostPort.parse(text)
                    : new HostPort(HostPort.parseHost(text), l.address().port());
        } catch (IllegalArgumentException e) {
            in.problem(rel, e.getMessage() + " (" + EXPECTED + ")");
            return Optional.empty();
        }
        if (address.isWildcard()) {
            in.problem(rel, "'" + text + "' is a wildcard address, which no client can connect to: announce the"
                    + " address clients reach this listener at");
            return Optional.empty();
        }
        return Optional.of(address);
    }

    private static boolean hasEntries(ConfigObject object) {
        return object.values().stream().anyMatch(v -> v.valueType() != ConfigValueType.NULL);
    }
}
