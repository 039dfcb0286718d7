package io.respproxy.sentinel;

import io.respproxy.routing.NodeAddress;
import java.util.List;
import java.util.Set;

/**
 * What one Sentinel said about the monitored master in one query, addresses already passed
 * through the service's {@code nat} map.
 *
 * @param sentinel    the Sentinel that answered (reachable form)
 * @param master      its {@code SENTINEL GET-MASTER-ADDR-BY-NAME} answer, or null when it does not
 *                    monitor that name (during a failover: the promoted replica)
 * @param configEpoch the master's {@code config-epoch} in its {@code SENTINEL MASTER} answer
 * @param flagged     the address that answer describes: during a failover, the master being
 *                    failed over, while {@code master} already names the promoted replica
 * @param masterFlags the master's {@code flags} there ({@code master}, {@code s_down}, {@code o_down},
 *                    {@code failover_in_progress}, ...)
 * @param replicas    its {@code SENTINEL REPLICAS} answer
 * @param sentinels   the other Sentinels it knows ({@code SENTINEL SENTINELS})
 * @param id          its run id ({@code SENTINEL MYID}), or null when it did not say: one Sentinel
 *                    known by two addresses (a configured hostname, the IP it announces) is one voice
 */
public record SentinelReport(NodeAddress sentinel, NodeAddress master, long configEpoch, NodeAddress flagged,
                             Set<String> masterFlags,
                             List<Replica> replicas, List<NodeAddress> sentinels, String id) {

    public SentinelReport {
        masterFlags = Set.copyOf(masterFlags);
        replicas = List.copyOf(replicas);
        sentinels = List.copyOf(sentinels);
    }

    /** This report with the Sentinel's run id. */
    public SentinelReport withId(String runId) {
        return new SentinelReport(sentinel, master, configEpoch, flagged, masterFlags, replicas, sentinels, runId);
    }

    /** A report without the Sentinel's run id. */
    public SentinelReport(NodeAddress sentinel, NodeAddress master, long configEpoch, NodeAddress flagged,
                          Set<String> masterFlags, List<Replica> replicas, List<NodeAddress> sentinels) {
        this(sentinel, master, configEpoch, flagged, masterFlags, replicas, sentinels, null);
    }

    /** A replica as one Sentinel lists it. */
    public record Replica(NodeAddress address, Set<String> flags) {

        public Replica {
            flags = Set.copyOf(flags);
        }

        /** Not flagged s_down, o_down or disconnected by this Sentinel. */
        public boolean serving() {
            return !flags.contains("s_down") && !flags.contains("o_down") && !flags.contains("disconnected");
        }
    }

    /** This Sentinel is failing the master over: no writes should go there. */
    public boolean failingOver() {
        return masterFlags.contains("failover_in_progress");
    }

    /** This Sentinel holds the master objectively down (it gathered the quorum). */
    public boolean objectivelyDown() {
        return masterFlags.contains("o_down");
    }

    /** {@code "a,b,c"} (Sentinel's flags field) as a set. */
    public static Set<String> flags(String field) {
        if (field == null || field.isEmpty()) {
            return Set.of();
        }
        return Set.of(field.split(","));
    }
}
