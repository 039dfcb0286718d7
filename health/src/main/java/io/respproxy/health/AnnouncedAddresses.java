package io.respproxy.health;

import io.respproxy.routing.AddressMap;
import io.respproxy.routing.NodeAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The addresses a node's {@code INFO replication} names (its master, its replicas), passed through
 * the service's {@code nat} map as they are learned, each mapping logged once with both forms.
 * Owned by the health monitor's thread.
 */
final class AnnouncedAddresses {

    private static final Logger log = LoggerFactory.getLogger(AnnouncedAddresses.class);

    private final String service;
    private final AddressMap nat;
    private final Set<NodeAddress> logged = new HashSet<>();

    AnnouncedAddresses(String service, AddressMap nat) {
        this.service = service;
        this.nat = nat;
    }

    /** {@code info} with its addresses in reachable form. */
    ReplicationInfo map(NodeAddress node, ReplicationInfo info) {
        if (nat.isEmpty()) {
            return info;
        }
        List<NodeAddress> named = new ArrayList<>();
        if (info.masterHost() != null && info.masterPort() > 0) {
            named.add(new NodeAddress(info.masterHost(), info.masterPort()));
        }
        for (ReplicationInfo.ConnectedReplica r : info.replicas()) {
            named.add(new NodeAddress(r.ip(), r.port()));
        }
        for (NodeAddress a : named) {
            if (!nat.reachable(a).equals(a) && logged.add(a)) {
                log.info("[{}] {} names {}", service, node, nat.describe(a));
            }
        }
        return info.withAddresses(nat::reachable);
    }
}
