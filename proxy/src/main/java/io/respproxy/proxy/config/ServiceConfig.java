package io.respproxy.proxy.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One Redis deployment served by the proxy: {@code respproxy.services.<name>}, merged over
 * {@code respproxy.service-defaults}.
 *
 * @param name          the key under {@code services}; used in logs and metric labels
 * @param topology      where the topology comes from; its {@link TopologyConfig#mode()} is the mode
 * @param listeners     client-facing listeners (at least one), in the order read, write, auto
 * @param readPort      how read listeners treat writes and missing replicas
 * @param users         clients the proxy authenticates; empty = no AUTH (see protectedMode)
 * @param protectedMode which clients may connect
 * @param backend       credentials and timeouts towards data nodes
 * @param limits        caps on client input and buffers
 * @param health        active health checks
 * @param failover      the hold queue during failover
 * @param writes        what a write's OK means (async, or once replicas have it)
 * @param denyCommands  commands refused with an error, upper case; "CMD" or "CMD SUBCOMMAND"
 * @param nat           announced addresses to reachable ones (exact host:port and host-only entries),
 *                      applied wherever the proxy learns an address
 * @param announce      mode = cluster: the address each listener (by name) tells cluster-aware
 *                      clients to connect to; a listener without an entry announces the address
 *                      the client's connection reached
 */
public record ServiceConfig(
        String name,
        TopologyConfig topology,
        List<ListenerConfig> listeners,
        ReadPortConfig readPort,
        List<UserConfig> users,
        ProtectedMode protectedMode,
        BackendConfig backend,
        LimitsConfig limits,
        HealthConfig health,
        FailoverConfig failover,
        WritesConfig writes,
        Set<String> denyCommands,
        NatConfig nat,
        Map<String, HostPort> announce) {

    public ServiceConfig {
        listeners = List.copyOf(listeners);
        users = List.copyOf(users);
        denyCommands = Set.copyOf(denyCommands);
        nat = nat == null ? NatConfig.NONE : nat;
        writes = writes == null ? WritesConfig.ASYNC : writes;
        announce = announce == null ? Map.of() : Map.copyOf(announce);
    }

    /** The service's mode. */
    public Mode mode() {
        return topology.mode();
    }

    /** The user called {@code userName}, if configured. */
    public Optional<UserConfig> user(String userName) {
        return users.stream().filter(u -> u.name().equals(userName)).findFirst();
    }

    /**
     * True when {@code commandName} (upper case), or {@code commandName + " " + subcommand}, is in
     * {@link #denyCommands()}. Upper-case both before calling.
     */
    public boolean denies(String commandName, String subcommand) {
        return denyCommands.contains(commandName)
                || (subcommand != null && denyCommands.contains(commandName + " " + subcommand));
    }
}
