package io.respproxy.health;

import io.respproxy.routing.AddressMap;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Topology;
import io.respproxy.routing.TopologySource;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code mode = static}: membership is a fixed list of servers, roles are what each says in INFO
 * replication (the HAProxy {@code tcp-check} set-up, done properly). Whether a server is fit is
 * the {@link NodeHealthMonitor}'s business; this source turns its node states into the routing
 * view with {@link StaticShardBuilder}, on the monitor's thread, and publishes it with one
 * volatile write.
 */
public final class StaticTopologySource implements TopologySource {

    private static final Logger log = LoggerFactory.getLogger(StaticTopologySource.class);

    private final String service;
    private final List<NodeAddress> servers;
    private final StaticShardBuilder shards;
    private final NodeHealthMonitor monitor;
    private final AddressMap nat;
    private volatile Topology current;
    private Consumer<Topology> listener = t -> { };
    private long version;

    /**
     * @param servers the configured servers, as configured (announced); {@code nat} maps them
     * @param monitor probes the servers; owned (closed) by this source
     */
    public StaticTopologySource(String service, List<NodeAddress> servers, AddressMap nat, HealthSettings settings,
                                NodeHealthMonitor monitor) {
        this.service = service;
        this.nat = nat;
        List<NodeAddress> reachable = new ArrayList<>(servers.size());
        for (NodeAddress s : servers) {
            NodeAddress to = nat.reachable(s);
            if (!to.equals(s)) {
                log.info("[{}] server {}", service, nat.describe(s));
            }
            reachable.add(to);
        }
        this.servers = List.copyOf(reachable);
        this.shards = new StaticShardBuilder(settings);
        this.monitor = monitor;
        this.current = Topology.unknown("servers not probed yet");
    }

    @Override
    public void start(Consumer<Topology> listener) {
        this.listener = listener;
        monitor.start(servers, this::publish);
    }

    @Override
    public Topology current() {
        return current;
    }

    @Override
    public AddressMap addressMap() {
        return nat;
    }

    @Override
    public void reportFailure(NodeAddress node) {
        monitor.markDown(node, "connection failure seen by the data path");
    }

    @Override
    public void requestRefresh() {
        monitor.checkRolesNow();
    }

    @Override
    public void reportClosedConnection(NodeAddress node) {
        monitor.connectionClosedBy(node);
    }

    @Override
    public void reportReadOnly(NodeAddress node) {
        monitor.reportReadOnly(node);
    }

    /** On the monitor's thread. */
    private void publish(List<NodeState> states) {
        Topology next = Topology.single(version + 1, shards.build(service, states));
        if (next.sameRoutingAs(current)) {
            return;
        }
        version++;
        Topology previous = current;
        current = next;
        var shard = next.primaryShard();
        if (shard.hasMaster()) {
            log.info("[{}] master {}{}, read replicas {}", service, shard.master(),
                    superseded(states, shard.master()), shard.readReplicas());
        } else if (previous.primaryShard().hasMaster() || version == 1 || !shard.noMasterReason()
                .equals(previous.primaryShard().noMasterReason())) {
            log.error("[{}] no writable master: {}", service, shard.noMasterReason());
        }
        listener.accept(next);
    }

    /** Names the servers that still claim master but whose history the chosen master continues. */
    private static String superseded(List<NodeState> states, NodeAddress master) {
        List<NodeAddress> older = new ArrayList<>();
        for (NodeState n : states) {
            if (n.isMaster() && !n.address().equals(master)) {
                older.add(n.address());
            }
        }
        return older.isEmpty() ? "" : " (promoted; " + older + " still claim master, writes no longer go there)";
    }

    /** Node states for the admin /topology view and INFO. */
    public List<NodeState> nodeStates() {
        return monitor.states();
    }

    @Override
    public void close() {
        monitor.close();
    }
}
