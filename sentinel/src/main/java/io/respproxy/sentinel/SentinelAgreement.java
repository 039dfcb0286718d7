package io.respproxy.sentinel;

import io.respproxy.routing.NodeAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the reachable Sentinels agree on, as a pure function of their reports. The master is the
 * address a majority of the Sentinels that answered report, and only when no Sentinel reports
 * another master under a higher config epoch (a newer failover that the others have not heard
 * of yet: its word is final, not the first promotion). Replicas are those listed, and not flagged
 * down or disconnected, by a majority of the Sentinels that agree on the master. A master that
 * any Sentinel is failing over or has objectively down is {@linkplain #unsafe() unsafe}: writes
 * must not go there even while the majority still names it (o_down: when a majority of the
 * answering Sentinels hold it).
 *
 * @param master     the agreed master, or null (see {@code reason})
 * @param reason     why there is no agreed master, else null
 * @param replicas   the replicas the agreeing Sentinels list as serving
 * @param watch      every data node any Sentinel mentions (master or replica): what health watches
 * @param unsafe     masters that some Sentinel is failing over or holds objectively down
 * @param sentinels  every Sentinel the answering ones know of
 * @param settled    every answering Sentinel names the same master and none is failing it over
 */
public record SentinelAgreement(NodeAddress master, String reason, List<NodeAddress> replicas, Set<NodeAddress> watch,
                                Set<NodeAddress> unsafe, Set<NodeAddress> sentinels, boolean settled) {

    public SentinelAgreement {
        replicas = List.copyOf(replicas);
        watch = Set.copyOf(watch);
        unsafe = Set.copyOf(unsafe);
        sentinels = Set.copyOf(sentinels);
    }

    /** Before the first answer. */
    public static SentinelAgreement none(String reason) {
        return new SentinelAgreement(null, reason, List.of(), Set.of(), Set.of(), Set.of(), false);
    }

    /**
     * @param masterName  for error texts
     * @param reports     the answers of the Sentinels that answered this query
     * @param unreachable how many asked Sentinels did not answer
     */
    public static SentinelAgreement of(String masterName, List<SentinelReport> reports, int unreachable) {
        Set<NodeAddress> sentinels = new LinkedHashSet<>();
        Set<NodeAddress> watch = new LinkedHashSet<>();
        Set<NodeAddress> unsafe = new LinkedHashSet<>();
        Map<NodeAddress, List<SentinelReport>> votes = new LinkedHashMap<>();
        Map<NodeAddress, Integer> oDown = new LinkedHashMap<>();
        for (SentinelReport r : reports) {
            sentinels.add(r.sentinel());
            sentinels.addAll(r.sentinels());
            if (r.master() == null) {
                continue;
            }
            votes.computeIfAbsent(r.master(), m -> new ArrayList<>()).add(r);
            watch.add(r.master());
            r.replicas().forEach(x -> watch.add(x.address()));
            NodeAddress described = r.flagged() != null ? r.flagged() : r.master();
            if (r.failingOver()) {
                unsafe.add(described);
            } else if (r.objectivelyDown()) {
                oDown.merge(described, 1, Integer::sum);
            }
        }
        // o_down alone counts once a majority of the answering Sentinels hold it: with a quorum
        // below a majority, a minority cut off from a healthy master would stop writes for as long
        // as the partition lasts. A failover in progress counts whoever reports it.
        oDown.forEach((m, n) -> {
            if (n * 2 > reports.size()) {
                unsafe.add(m);
            }
        });
        if (reports.isEmpty()) {
            return new SentinelAgreement(null, "no Sentinel answered (" + unreachable + " unreachable)", List.of(),
                    watch, unsafe, sentinels, false);
        }
        if (votes.isEmpty()) {
            return new SentinelAgreement(null, "no Sentinel that answered monitors a master named '" + masterName + "'",
                    List.of(), watch, unsafe, sentinels, false);
        }
        // While the Sentinels disagree on the master (a failover is spreading), reads still need
        // replicas: those a majority of all answering Sentinels list as serving, no named master.
        List<NodeAddress> servingAll = serving(reports, votes.keySet());
        NodeAddress winner = null;
        for (Map.Entry<NodeAddress, List<SentinelReport>> e : votes.entrySet()) {
            if (e.getValue().size() * 2 > reports.size()) {
                winner = e.getKey();
            }
        }
        if (winner == null) {
            return new SentinelAgreement(null, "the Sentinels disagree on the master: " + tally(votes), servingAll,
                    watch, unsafe, sentinels, false);
        }
        long winnerEpoch = maxEpoch(votes.get(winner));
        for (Map.Entry<NodeAddress, List<SentinelReport>> e : votes.entrySet()) {
            long epoch = maxEpoch(e.getValue());
            if (!e.getKey().equals(winner) && epoch > winnerEpoch) {
                return new SentinelAgreement(null, "a Sentinel reports a newer master " + e.getKey() + " (config epoch "
                        + epoch + " > " + winnerEpoch + ") than the majority's " + winner + "; waiting for the others",
                        servingAll, watch, unsafe, sentinels, false);
            }
        }
        List<SentinelReport> agreeing = votes.get(winner);
        List<NodeAddress> replicas = serving(agreeing, Set.of(winner));
        boolean settled = votes.size() == 1 && unsafe.isEmpty() && agreeing.size() == reports.size();
        return new SentinelAgreement(winner, null, replicas, watch, unsafe, sentinels, settled);
    }

    /**
     * The replicas a majority of {@code reports} list as serving, none of {@code masters}, sorted:
     * Sentinels list replicas in their own order, and a Sentinel coming or going must not reorder
     * the read round-robin (and publish a new topology for nothing).
     */
    private static List<NodeAddress> serving(List<SentinelReport> reports, Set<NodeAddress> masters) {
        Map<NodeAddress, Integer> count = new LinkedHashMap<>();
        for (SentinelReport r : reports) {
            for (SentinelReport.Replica x : r.replicas()) {
                if (x.serving() && !masters.contains(x.address())) {
                    count.merge(x.address(), 1, Integer::sum);
                }
            }
        }
        List<NodeAddress> out = new ArrayList<>();
        count.forEach((a, n) -> {
            if (n * 2 > reports.size()) {
                out.add(a);
            }
        });
        out.sort(null);
        return out;
    }

    private static long maxEpoch(List<SentinelReport> reports) {
        long max = Long.MIN_VALUE;
        for (SentinelReport r : reports) {
            max = Math.max(max, r.configEpoch());
        }
        return max;
    }

    private static String tally(Map<NodeAddress, List<SentinelReport>> votes) {
        StringBuilder sb = new StringBuilder();
        votes.forEach((m, rs) -> sb.append(sb.length() == 0 ? "" : ", ").append(m).append(" (")
                .append(rs.size()).append(')'));
        return sb.toString();
    }
}
