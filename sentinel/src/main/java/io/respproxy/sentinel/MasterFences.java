package io.respproxy.sentinel;

import io.respproxy.routing.NodeAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The masters no write may go to now, and why: one a Sentinel is failing over or holds o_down
 * (flags in its answers), one a Sentinel's event announced a failover of (until the word of that
 * Sentinel, or of a majority of all known ones, says none is under way), and one a switchover
 * holds. Pure bookkeeping, owned by the source's thread.
 */
final class MasterFences {

    /** A master a Sentinel's event says is being failed over, or null. */
    private NodeAddress byEvent;
    /** The Sentinel whose event (or whose SENTINEL FAILOVER) raised that fence. */
    private NodeAddress raisedBy;
    /** Only a query numbered above this can lift it. */
    private long afterQuery;
    /** The master a switchover holds writes from, or null. */
    private NodeAddress switchingFrom;

    /**
     * {@code by} (a Sentinel) is failing {@code master} over; {@code queries} is the number of the
     * last query sent, which (in flight) cannot lift it. True when this fences a new master.
     */
    boolean raise(NodeAddress master, NodeAddress by, long queries) {
        boolean fresh = !master.equals(byEvent);
        byEvent = master;
        raisedBy = by;
        afterQuery = queries;
        return fresh;
    }

    /**
     * Lifts the event fence when query {@code seq} shows no failover of it under way, on the word
     * of the Sentinel that raised it or of a majority of the {@code known} Sentinels; never on a
     * round where neither answered. Returns the master no longer fenced, or null.
     */
    NodeAddress liftIfOver(long seq, SentinelAgreement next, Set<NodeAddress> answered, int known) {
        if (byEvent == null || seq <= afterQuery || next.unsafe().contains(byEvent)
                || !(answered.contains(raisedBy) || answered.size() * 2 > known)) {
            return null;
        }
        NodeAddress lifted = byEvent;
        byEvent = null;
        raisedBy = null;
        return lifted;
    }

    /** An event fence is up (the Sentinels are asked often until it lifts). */
    boolean eventFenceUp() {
        return byEvent != null;
    }

    /** Holds writes from {@code master} for a switchover; false when one is running already. */
    boolean beginSwitchover(NodeAddress master) {
        if (switchingFrom != null) {
            return false;
        }
        switchingFrom = master;
        return true;
    }

    void endSwitchover() {
        switchingFrom = null;
    }

    /** Every fenced master with the reason clients are told. */
    Map<NodeAddress, String> reasons(SentinelAgreement agreed) {
        Map<NodeAddress, String> fenced = new HashMap<>();
        for (NodeAddress a : agreed.unsafe()) {
            fenced.put(a, "a Sentinel is failing over " + a + " (or holds it objectively down); writes wait for "
                    + "the new master");
        }
        if (byEvent != null) {
            fenced.put(byEvent, "a Sentinel announced a failover of " + byEvent + "; writes wait for the new master");
        }
        if (switchingFrom != null) {
            fenced.put(switchingFrom, "switchover from " + switchingFrom + " in progress; writes wait for the new master");
        }
        return fenced;
    }

    /** The master writes left because a failover of it is under way (not a switchover's hold), or null. */
    NodeAddress failingOver(SentinelAgreement agreed) {
        if (byEvent != null) {
            return byEvent;
        }
        return agreed.master() != null && agreed.unsafe().contains(agreed.master()) ? agreed.master() : null;
    }
}
