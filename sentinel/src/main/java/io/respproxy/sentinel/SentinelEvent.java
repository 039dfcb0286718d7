package io.respproxy.sentinel;

import io.respproxy.routing.NodeAddress;
import java.util.Set;

/**
 * One message a Sentinel published on its event channels, as far as the proxy cares: which master
 * name it concerns and whether it says a failover of that master has started (so writes to it
 * must stop before a replica is promoted). Events are hints: each one triggers a re-query, none is
 * taken as the truth.
 *
 * @param channel    the event ({@code +switch-master}, {@code +sdown}, ...)
 * @param masterName the master name it concerns, or null when the message names none
 * @param master     the master's address as announced in the message, or null
 * @param fences     a failover of {@code master} is under way
 */
public record SentinelEvent(String channel, String masterName, NodeAddress master, boolean fences) {

    /**
     * Events after which a replica may be promoted at any moment: from the attempt to fail over
     * (the Sentinel sets failover_in_progress) to the promotion itself.
     */
    static final Set<String> FENCING = Set.of("+odown", "+try-failover", "+elected-leader",
            "+failover-state-select-slave", "+selected-slave", "+failover-state-send-slaveof-noone",
            "+failover-state-wait-promotion", "+promoted-slave", "+failover-state-reconf-slaves");

    /**
     * Parses Sentinel's formats: {@code <type> <name> <ip> <port> [@ <master-name> <master-ip>
     * <master-port>]} for instance events, {@code <master-name> <old-ip> <old-port> <new-ip>
     * <new-port>} for {@code +switch-master}.
     */
    public static SentinelEvent parse(String channel, String message) {
        String[] t = message.trim().split(" +");
        String name = null;
        NodeAddress master = null;
        if ("+switch-master".equals(channel) && t.length >= 5) {
            name = t[0];
            master = address(t[1], t[2]);
        } else {
            int at = indexOf(t, "@");
            if (at >= 0 && t.length > at + 3) {
                name = t[at + 1];
                master = address(t[at + 2], t[at + 3]);
            } else if (t.length >= 4 && "master".equals(t[0])) {
                name = t[1];
                master = address(t[2], t[3]);
            }
        }
        return new SentinelEvent(channel, name, master, master != null && FENCING.contains(channel));
    }

    /** About {@code masterName}, or naming no master at all (a re-query does no harm). */
    public boolean concerns(String masterName) {
        return this.masterName == null || this.masterName.equals(masterName);
    }


    private static int indexOf(String[] t, String s) {
        for (int i = 0; i < t.length; i++) {
            if (t[i].equals(s)) {
                return i;
            }
        }
        return -1;
    }

    private static NodeAddress address(String host, String port) {
        try {
            return new NodeAddress(host, Integer.parseInt(port));
        } catch (RuntimeException e) {
            return null;
        }
    }
}
