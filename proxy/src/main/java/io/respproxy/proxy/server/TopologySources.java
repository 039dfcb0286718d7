package io.respproxy.proxy.server;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.respproxy.cluster.ClusterSettings;
import io.respproxy.cluster.ClusterTopologySource;
import io.respproxy.health.HealthSettings;
import io.respproxy.health.NodeHealthMonitor;
import io.respproxy.health.ServerFacts;
import io.respproxy.health.StaticTopologySource;
import io.respproxy.proxy.config.HealthConfig;
import io.respproxy.proxy.config.HostPort;
import io.respproxy.proxy.config.NatConfig;
import io.respproxy.proxy.config.ServiceConfig;
import io.respproxy.proxy.config.TopologyConfig;
import io.respproxy.routing.AddressMap;
import io.respproxy.sentinel.SentinelSettings;
import io.respproxy.sentinel.SentinelTopologySource;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.TopologySource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a service's topology source for its mode: one method per mode, each a membership source
 * on top of a {@link NodeHealthMonitor} for the data nodes, with the service's {@code nat} map.
 */
final class TopologySources {

    /**
     * What a service's data path reads: the topology, and the facts the servers report.
     *
     * @param topology owns (closes) what it was built on, the health monitor included
     */
    record Built(TopologySource topology, ServerFacts facts) {}

    private TopologySources() {}

    /**
     * @param resources the daemon's one set of Lettuce threads, for every probe and query (not
     *                  shut down by the sources: the daemon does, after closing them)
     */
    static Built create(ServiceConfig sc, ClientResources resources) {
        return switch (sc.mode()) {
            case STATIC -> staticSource(sc, (TopologyConfig.Static) sc.topology(), resources);
            case SENTINEL -> sentinelSource(sc, (TopologyConfig.Sentinel) sc.topology(), resources);
            case CLUSTER -> clusterSource(sc, (TopologyConfig.Cluster) sc.topology(), resources);
        };
    }

    /** The daemon's Lettuce threads: two I/O and two computation threads serve every service. */
    static ClientResources sharedResources() {
        return DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
    }

    private static Built staticSource(ServiceConfig sc, TopologyConfig.Static st, ClientResources resources) {
        List<NodeAddress> servers = st.servers().stream().map(TopologySources::address).toList();
        HealthSettings hs = healthSettings(sc.health());
        AddressMap nat = nat(sc.nat());
        NodeHealthMonitor monitor = monitor(sc, hs, nat, resources);
        return new Built(new StaticTopologySource(sc.name(), servers, nat, hs, monitor), monitor);
    }

    private static Built sentinelSource(ServiceConfig sc, TopologyConfig.Sentinel st, ClientResources resources) {
        HealthSettings hs = healthSettings(sc.health());
        AddressMap nat = nat(sc.nat());
        NodeHealthMonitor monitor = monitor(sc, hs, nat, resources);
        SentinelSettings ss = new SentinelSettings(st.masterName(),
                st.nodes().stream().map(TopologySources::address).toList(), st.user().orElse(null),
                st.password().map(p -> p.reveal().toCharArray()).orElse(null), st.timeout(), st.pollInterval());
        return new Built(new SentinelTopologySource(sc.name(), ss, nat, hs, monitor, resources), monitor);
    }

    private static Built clusterSource(ServiceConfig sc, TopologyConfig.Cluster ct, ClientResources resources) {
        HealthSettings hs = healthSettings(sc.health());
        AddressMap nat = nat(sc.nat());
        char[] password = sc.backend().password().map(p -> p.reveal().toCharArray()).orElse(null);
        String user = sc.backend().user().orElse(null);
        NodeHealthMonitor monitor = monitor(sc, hs, nat, resources);
        ClusterSettings cs = new ClusterSettings(ct.seeds().stream().map(TopologySources::address).toList(), user,
                password, ct.timeout(), ct.refreshInterval());
        return new Built(new ClusterTopologySource(sc.name(), cs, nat, hs, monitor, resources), monitor);
    }

    private static NodeHealthMonitor monitor(ServiceConfig sc, HealthSettings hs, AddressMap nat,
                                             ClientResources resources) {
        char[] password = sc.backend().password().map(p -> p.reveal().toCharArray()).orElse(null);
        return new NodeHealthMonitor(sc.name(), hs, nat, sc.backend().user().orElse(null), password, resources);
    }

    static HealthSettings healthSettings(HealthConfig h) {
        return new HealthSettings(h.interval(), h.timeout(), h.rise(), h.fall(), h.maxReplicaLag(),
                h.maxReplicaLagBytes(), h.roleCheckInterval());
    }

    static AddressMap nat(NatConfig nat) {
        Map<NodeAddress, NodeAddress> exact = new LinkedHashMap<>();
        nat.exact().forEach((from, to) -> exact.put(address(from), address(to)));
        return AddressMap.of(exact, nat.hosts());
    }

    static NodeAddress address(HostPort hp) {
        return new NodeAddress(hp.host(), hp.port());
    }
}
