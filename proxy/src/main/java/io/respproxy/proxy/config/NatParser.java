package io.respproxy.proxy.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a service's {@code nat} object. Each entry maps an announced address to a reachable one, both
 * written the same way:
 * <pre>
 * nat {
 *   "10.0.0.1:6379"          = "127.0.0.1:7001"   # this address only
 *   "10.0.0.2"               = "127.0.0.1"        # every port of this host, the port kept
 *   "redis-0.redis.svc"      = "127.0.0.1"        # host names too, compared as written (any case)
 *   "redis-1.redis.svc:6379" = "127.0.0.1:7002"
 *   "[fd00::1]"              = "[::1]"            # IPv6 in brackets, with or without :port
 * }
 * </pre>
 * A host on one side and {@code host:port} on the other is a problem: it is unclear which port the
 * user meant.
 */
final class NatParser {

    static final String EXPECTED = "expected an object { \"announced\" = \"reachable\" }, each side"
            + " \"host:port\" (that address) or \"host\" (every port of that host)";

    private final ConfigReader in;

    NatParser(ConfigReader in) {
        this.in = in;
    }

    NatConfig parse() {
        Optional<ConfigValue> value = in.value("nat");
        if (value.isEmpty()) {
            return NatConfig.NONE;
        }
        if (!(value.get() instanceof ConfigObject object)) {
            in.problem("nat", EXPECTED + ", got " + ConfigReader.show(value.get()));
            return NatConfig.NONE;
        }
        Map<HostPort, HostPort> exact = new LinkedHashMap<>();
        Map<String, String> hosts = new LinkedHashMap<>();
        // announced address, normalized as the AddressMap compares it, to the key it was written as
        Map<String, String> seen = new HashMap<>();
        // Read the object's own map: its keys contain dots and colons, which are not config paths.
        for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
            String key = e.getKey();
            String rel = "nat." + ConfigUtil.joinPath(key);
            if (e.getValue().valueType() != ConfigValueType.STRING) {
                problem(rel, e.getValue(), "expected a string (\"host:port\" or \"host\"), got "
                        + ConfigReader.show(e.getValue()));
                continue;
            }
            String to = (String) e.getValue().unwrapped();
            if (bareIpv6(key) || bareIpv6(to)) {
                problem(rel, e.getValue(), ipv6Hint(bareIpv6(key) ? key : to));
                continue;
            }
            boolean keyHasPort = HostPort.hasPort(key);
            if (keyHasPort != HostPort.hasPort(to)) {
                problem(rel, e.getValue(), mixed(key, keyHasPort, to));
                continue;
            }
            if (keyHasPort) {
                Optional<HostPort> from = address(rel, e.getValue(), key);
                Optional<HostPort> reachable = address(rel, e.getValue(), to);
                if (from.isPresent() && reachable.isPresent()
                        && unique(rel, e.getValue(), seen, normalized(from.get()), key)) {
                    exact.put(from.get(), reachable.get());
                }
            } else {
                Optional<String> from = host(rel, e.getValue(), key);
                Optional<String> reachable = host(rel, e.getValue(), to);
                if (from.isPresent() && reachable.isPresent()
                        && unique(rel, e.getValue(), seen, from.get().toLowerCase(Locale.ROOT), key)) {
                    hosts.put(from.get(), reachable.get());
                }
            }
        }
        return exact.isEmpty() && hosts.isEmpty() ? NatConfig.NONE : new NatConfig(exact, hosts);
    }

    private static String mixed(String key, boolean keyHasPort, String to) {
        return "'" + key + "' is " + (keyHasPort ? "host:port" : "a host") + " but '" + to + "' is "
                + (keyHasPort ? "a host" : "host:port") + ": write both as \"host:port\" (that address only)"
                + " or both as \"host\" (every port, kept as announced)";
    }

    /** Two keys that differ only in case (or a port's leading zeros) would be one entry of the map. */
    private boolean unique(String rel, ConfigValue v, Map<String, String> seen, String normalized, String key) {
        String earlier = seen.putIfAbsent(normalized, key);
        if (earlier == null) {
            return true;
        }
        problem(rel, v, "the same announced address as \"" + earlier + "\" (host names compare case-insensitively)");
        return false;
    }

    private static String normalized(HostPort hp) {
        return hp.host().toLowerCase(Locale.ROOT) + " " + hp.port();
    }

    private Optional<HostPort> address(String rel, ConfigValue v, String text) {
        try {
            return Optional.of(HostPort.parse(text));
        } catch (IllegalArgumentException e) {
            problem(rel, v, e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<String> host(String rel, ConfigValue v, String text) {
        try {
            return Optional.of(HostPort.parseHost(text));
        } catch (IllegalArgumentException e) {
            problem(rel, v, e.getMessage());
            return Optional.empty();
        }
    }

    /** A bare IPv6 literal: "fd00::1" could be a host, or "fd00:" and port 1. */
    private static boolean bareIpv6(String text) {
        String s = text.trim();
        return !s.startsWith("[") && s.indexOf(':') != s.lastIndexOf(':');
    }

    private static String ipv6Hint(String text) {
        String s = text.trim();
        return "bad address '" + text + "': write IPv6 addresses in brackets, \"[" + s + "]\" for the host"
                + " or \"[" + s + "]:6379\" with a port";
    }

    private void problem(String rel, ConfigValue v, String message) {
        in.problems().add(in.path(rel), message, ConfigReader.describe(v.origin()));
    }
}
