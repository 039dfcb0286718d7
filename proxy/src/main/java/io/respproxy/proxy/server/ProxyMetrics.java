package io.respproxy.proxy.server;

import io.prometheus.client.Collector;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.backend.NodeStats;
import io.respproxy.proxy.metrics.Families;
import io.respproxy.proxy.service.CommandStats;
import io.respproxy.proxy.service.ListenerStats;
import io.respproxy.proxy.service.ClientMemory;
import io.respproxy.proxy.service.ServiceRuntime;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Topology;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The per-service families of /metrics, with Prometheus names and labels (service, listener,
 * node, command, outcome, ...), read from the data path's counters at scrape time.
 *
 * <p>Why a collector of its own rather than Dropwizard metrics through the simpleclient bridge:
 * the bridge exports a Dropwizard counter as a gauge and has no labels, a Meter reads the clock
 * on every mark, and Dropwizard histograms lock or allocate per update. The data path keeps
 * {@link java.util.concurrent.atomic.LongAdder}s and fixed-bucket histograms instead; this reads
 * them. Process-wide metrics stay in the Dropwizard registry and go through the bridge.
 */
final class ProxyMetrics extends Collector {

    private final List<ServiceView> services;
    private final ProxyServer server;

    private final ClientMemory clientMemory;

    ProxyMetrics(List<ServiceView> services, ProxyServer server, ClientMemory clientMemory) {
        this.services = List.copyOf(services);
        this.server = server;
        this.clientMemory = clientMemory;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        Families f = declare();
        f.set("respproxy_client_buffer_bytes", clientMemory.total());
        f.set("respproxy_client_buffer_budget_bytes", clientMemory.budget());
        f.set("respproxy_evicted_clients_total", clientMemory.evictedClients());
        f.set("respproxy_direct_memory_used_bytes", ProxyDataPlane.directMemoryUsed());
        f.set("respproxy_direct_memory_max_bytes", io.netty.util.internal.PlatformDependent.maxDirectMemory());
        for (ServiceView v : services) {
            service(f, v);
        }
        return f.build();
    }

    static Families declare() {
        return new Families()
                .gauge("respproxy_client_connections", "Client connections open now.", "service", "listener")
                .counter("respproxy_client_connections_accepted_total",
                        "Client connections accepted and served.", "service", "listener")
                .counter("respproxy_client_connections_rejected_total", "Client connections refused before any "
                        + "command, by reason (maxclients, protected_mode).", "service", "listener", "reason")
                .counter("respproxy_client_received_bytes_total", "Bytes read from clients.", "service", "listener")
                .counter("respproxy_client_sent_bytes_total", "Bytes written to clients.", "service", "listener")
                .counter("respproxy_client_output_limit_closes_total", "Clients closed for overcoming their "
                        + "client-output-buffer-limit (limits.client-output-buffer).", "service", "listener")
                .gauge("respproxy_client_buffer_bytes", "Bytes all clients hold in the proxy now (replies not yet "
                        + "taken by their sockets, commands read but not yet run), every service together.")
                .gauge("respproxy_client_buffer_budget_bytes", "max-memory-clients (0: no budget).")
                .gauge("respproxy_direct_memory_used_bytes", "Direct memory the JVM has reserved (client and "
                        + "backend buffers: Netty's pools keep what they once needed).")
                .gauge("respproxy_direct_memory_max_bytes", "The JVM's direct memory limit (-XX:MaxDirectMemorySize).")
                .counter("respproxy_evicted_clients_total", "Clients closed because all clients' buffers exceeded "
                        + "max-memory-clients (the largest first).")
                .counter("respproxy_commands_total", "Commands answered, by command (as the command table names it; "
                        + "unknown for any other) and outcome (ok, error: an error reply; (un)subscribes count as ok "
                        + "when sent).", "service", "command", "outcome")
                .histogram("respproxy_command_duration_seconds", "From a command's arrival (its client's read) to "
                        + "its reply; blocking commands and subscriptions excluded.", "service")
                .counter("respproxy_commands_maybe_applied_total", "Writes failed with 'the command may have been "
                        + "applied' (their node was lost or left after they were sent).", "service")
                .counter("respproxy_retries_total", "Commands sent again after their node failed them without "
                        + "applying them (reads whose connection died, -READONLY, refused connects, cluster "
                        + "-TRYAGAIN/-CLUSTERDOWN).", "service")
                .counter("respproxy_redirects_total", "Cluster redirects followed, by kind (moved, ask).", "service",
                        "kind")
                .counter("respproxy_failovers_total", "Times a master moved to another node.", "service")
                .counter("respproxy_failover_discarded_bytes_total", "Bytes of writes an old master had "
                        + "acknowledged that the promoted node did not have (estimated from replication offsets).",
                        "service")
                .counter("respproxy_failovers_discarding_total", "Failovers whose promotion discarded "
                        + "acknowledged writes.", "service")
                .gauge("respproxy_held_commands", "Commands waiting for a node now (failover hold).", "service")
                .counter("respproxy_holds_total", "Commands that started waiting for a node.", "service")
                .counter("respproxy_hold_timeouts_total", "Commands answered -TRYAGAIN because their failover "
                        + "hold timed out (failover.hold-timeout).", "service")
                .histogram("respproxy_hold_duration_seconds", "How long held commands waited for a node.", "service")
                .gauge("respproxy_blocked_clients", "Clients in a blocking command.", "service")
                .gauge("respproxy_pubsub_clients", "Clients in subscribed mode.", "service")
                .gauge("respproxy_topology_version", "Version of the routing view in use.", "service")
                .gauge("respproxy_topology_age_seconds", "Seconds since the routing view in use was published.",
                        "service")
                .gauge("respproxy_shards_without_master", "Shards with no verified writable master now.", "service")
                .gauge("respproxy_service_ready", "1 when the service is ready (listeners bound, a verified writable "
                        + "master for every shard), as /readyz says.", "service")
                .gauge("respproxy_node_up", "1 when the health checks find the node up, by the role it last "
                        + "reported (master, replica, unknown).", "service", "node", "role")
                .gauge("respproxy_replica_read_eligible", "1 when the replica serves reads now.", "service", "node")
                .gauge("respproxy_replica_lag_seconds", "Seconds since the replica's last ack, as its master "
                        + "reports.", "service", "node")
                .gauge("respproxy_replica_lag_bytes", "Replication offset the replica is behind its master.",
                        "service", "node")
                .gauge("respproxy_backend_connections", "Backend connections open now (shared, dedicated, control).",
                        "service", "node")
                .counter("respproxy_backend_connections_opened_total", "Backend connections established.",
                        "service", "node")
                .counter("respproxy_backend_connections_closed_total", "Established backend connections closed, by "
                        + "reason (proxy: closed by the proxy, lost, timeout, handshake_failed).", "service", "node",
                        "reason")
                .counter("respproxy_backend_connect_failures_total", "Backend connects refused or timed out.",
                        "service", "node")
                .counter("respproxy_backend_reconnects_total", "Shared backend connections opened again after the "
                        + "node lost the previous one.", "service", "node")
                .counter("respproxy_backend_script_set_asides_total", "Shared backend connections set aside "
                        + "behind a long-running script (backend.script-set-aside-after).", "service", "node")
                .counter("respproxy_backend_replication_waits_total", "WAITs the proxy sent behind batches of "
                        + "writes (writes.acknowledge = replicated).", "service", "node")
                .counter("respproxy_backend_replication_waits_short_total", "Those WAITs that counted fewer "
                        + "replicas than writes.min-replicas (the writes waited for another).", "service", "node")
                .counter("respproxy_backend_unconfirmed_writes_total", "Writes the node applied that no WAIT "
                        + "confirmed: answered -NOREPLICAS after failover.hold-timeout, or an error when the proxy "
                        + "left the node first.", "service", "node")
                .counter("respproxy_backend_sent_bytes_total", "Bytes written to the node.", "service", "node")
                .counter("respproxy_backend_received_bytes_total", "Bytes read from the node.", "service", "node")
                .histogram("respproxy_backend_command_duration_seconds", "From the write of a request to the node "
                        + "to its reply; blocking commands excluded.", "service", "node");
    }

    private void service(Families f, ServiceView v) {
        ServiceRuntime rt = v.runtime();
        String s = rt.name();
        ServiceRuntime.ServiceStats st = rt.stats();
        for (ListenerStats l : sorted(st.listeners(), ListenerStats::name)) {
            f.set("respproxy_client_connections", l.connected.get(), s, l.name());
            f.set("respproxy_client_connections_accepted_total", l.accepted.sum(), s, l.name());
            for (ListenerStats.Rejection r : ListenerStats.Rejection.values()) {
                f.set("respproxy_client_connections_rejected_total", l.rejectedCount(r), s, l.name(), label(r.name()));
            }
            f.set("respproxy_client_received_bytes_total", l.bytesReceived.sum(), s, l.name());
            f.set("respproxy_client_sent_bytes_total", l.bytesSent.sum(), s, l.name());
            f.set("respproxy_client_output_limit_closes_total", l.outputLimitCloses.sum(), s, l.name());
        }
        for (CommandStats c : sorted(st.commands(), CommandStats::name)) {
            f.set("respproxy_commands_total", c.ok.sum(), s, c.name(), "ok");
            f.set("respproxy_commands_total", c.error.sum(), s, c.name(), "error");
        }
        f.set("respproxy_command_duration_seconds", st.commandLatency.snapshot(), s);
        f.set("respproxy_commands_maybe_applied_total", st.maybeApplied.sum(), s);
        f.set("respproxy_retries_total", st.retried.sum(), s);
        long asks = st.askRedirects.sum();
        f.set("respproxy_redirects_total", Math.max(0, st.redirects.sum() - asks), s, "moved");
        f.set("respproxy_redirects_total", asks, s, "ask");
        f.set("respproxy_failovers_total", st.failovers.sum(), s);
        f.set("respproxy_failover_discarded_bytes_total", st.discardedBytes.sum(), s);
        f.set("respproxy_failovers_discarding_total", st.discardingFailovers.sum(), s);
        f.set("respproxy_held_commands", st.heldCommands.get(), s);
        f.set("respproxy_holds_total", st.holdsStarted.sum(), s);
        f.set("respproxy_hold_timeouts_total", st.holdTimeouts.sum(), s);
        f.set("respproxy_hold_duration_seconds", st.holdTime.snapshot(), s);
        f.set("respproxy_blocked_clients", st.blockedClients.get(), s);
        f.set("respproxy_pubsub_clients", st.pubsubClients.get(), s);

        Topology t = rt.topology();
        f.set("respproxy_topology_version", t.version(), s);
        long age = v.topologyAgeNanos();
        if (age >= 0) {
            f.set("respproxy_topology_age_seconds", age / 1e9, s);
        }
        f.set("respproxy_shards_without_master", t.shards().stream().filter(sh -> !sh.hasMaster()).count(), s);
        f.set("respproxy_service_ready", v.notReadyReason(server) == null ? 1 : 0, s);
        for (NodeReport n : sorted(v.nodes(t), r -> r.node().toString())) {
            String node = n.node().toString();
            f.set("respproxy_node_up", n.up() ? 1 : 0, s, node, n.role());
            if (n.isReplica()) {
                f.set("respproxy_replica_read_eligible", n.readEligible() ? 1 : 0, s, node);
                if (n.lagSeconds() >= 0) {
                    f.set("respproxy_replica_lag_seconds", n.lagSeconds(), s, node);
                    f.set("respproxy_replica_lag_bytes", n.lagBytes(), s, node);
                }
            }
        }
        for (Map.Entry<NodeAddress, NodeStats> e : sorted(rt.backendStats().nodes().entrySet(),
                en -> en.getKey().toString())) {
            String node = e.getKey().toString();
            NodeStats n = e.getValue();
            f.set("respproxy_backend_connections", n.connections.get(), s, node);
            f.set("respproxy_backend_connections_opened_total", n.opened.sum(), s, node);
            for (BackendFailure.Kind k : BackendFailure.Kind.values()) {
                if (k != BackendFailure.Kind.CONNECT_FAILED) { // never established: connect_failures
                    f.set("respproxy_backend_connections_closed_total", n.closedCount(k), s, node, closeReason(k));
                }
            }
            f.set("respproxy_backend_connect_failures_total", n.connectFailures.sum(), s, node);
            f.set("respproxy_backend_reconnects_total", n.reconnects.sum(), s, node);
            f.set("respproxy_backend_script_set_asides_total", n.scriptSetAsides.sum(), s, node);
            f.set("respproxy_backend_replication_waits_total", n.replicationWaits.sum(), s, node);
            f.set("respproxy_backend_replication_waits_short_total", n.replicationWaitsShort.sum(), s, node);
            f.set("respproxy_backend_unconfirmed_writes_total", n.unconfirmedWrites.sum(), s, node);
            f.set("respproxy_backend_sent_bytes_total", n.bytesSent.sum(), s, node);
            f.set("respproxy_backend_received_bytes_total", n.bytesReceived.sum(), s, node);
            f.set("respproxy_backend_command_duration_seconds", n.latency.snapshot(), s, node);
        }
    }

    static String closeReason(BackendFailure.Kind k) {
        return switch (k) {
            case CLOSED -> "proxy";
            case CONNECTION_LOST -> "lost";
            case TIMEOUT -> "timeout";
            case HANDSHAKE_FAILED -> "handshake_failed";
            case CONNECT_FAILED -> "connect_failed";
        };
    }

    private static String label(String enumName) {
        return enumName.toLowerCase(Locale.ROOT);
    }

    private static <T> List<T> sorted(Collection<T> items, Function<T, String> key) {
        List<T> out = new ArrayList<>(items);
        out.sort(Comparator.comparing(key));
        return out;
    }
}
