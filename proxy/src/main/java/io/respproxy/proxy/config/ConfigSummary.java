package io.respproxy.proxy.config;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Human-readable lines describing a configuration for the startup log. Never shows a password. */
public final class ConfigSummary {
    private ConfigSummary() {}

    /** One line per service, then one for the admin port. */
    public static List<String> lines(ProxyConfig config) {
        List<String> out = new ArrayList<>();
        config.services().forEach((name, s) -> out.add("service " + name + ": " + service(s)));
        out.add("admin: " + config.adminListen().map(HostPort::toString).orElse("disabled"));
        return out;
    }

    private static String service(ServiceConfig s) {
        StringBuilder sb = new StringBuilder("mode=").append(s.mode().configName());
        // Java 17: no pattern matching in switch yet.
        if (s.topology() instanceof TopologyConfig.Static t) {
            sb.append(" servers=").append(t.servers());
        } else if (s.topology() instanceof TopologyConfig.Sentinel t) {
            sb.append(" master-name=").append(t.masterName()).append(" sentinels=").append(t.nodes())
                    .append(t.password().isPresent() ? " sentinel-auth=yes" : "");
        } else if (s.topology() instanceof TopologyConfig.Cluster t) {
            sb.append(" seeds=").append(t.seeds());
        }
        sb.append(" listen=").append(s.listeners().stream()
                .map(l -> l.name() + (l.role().name().equalsIgnoreCase(l.name()) ? "" : "(" + l.role().configName() + ")")
                        + "@" + l.address())
                .collect(Collectors.joining(",", "[", "]")));
        sb.append(" users=").append(s.users().stream().map(UserConfig::name).collect(Collectors.toList()));
        sb.append(" protected-mode=").append(s.protectedMode().name().toLowerCase(java.util.Locale.ROOT));
        sb.append(" backend-auth=").append(s.backend().password().isPresent()
                ? s.backend().user().map(u -> "user " + u).orElse("password") : "none");
        if (!s.nat().isEmpty()) {
            sb.append(" nat=").append(s.nat().size()).append(" rules");
        }
        if (!s.announce().isEmpty()) {
            sb.append(" announce=").append(s.listeners().stream().filter(l -> s.announce().containsKey(l.name()))
                    .map(l -> l.name() + "@" + s.announce().get(l.name()))
                    .collect(Collectors.joining(",", "[", "]")));
        }
        return sb.toString();
    }
}
