package io.respproxy.cluster;

import io.respproxy.routing.NodeAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which of the nodes' answers is the slot map, as a pure function. Nodes disagree for a moment
 * after every change (a failover, a resharding step) while the news spreads by gossip, and a
 * master cut off from the others keeps claiming slots it lost. The rule: among the views that a
 * majority of the reachable masters share (a master reports itself as one in its own view), the
 * one with the highest epoch; when no view has such a majority, the one with the highest epoch
 * overall (the newest news), but only if nothing was agreed before: a previous agreement is kept
 * until a majority settles on a new one, and redirects from the nodes patch it meanwhile.
 */
final class ClusterAgreement {

    private ClusterAgreement() {}

    /**
     * @param answers  each answering node's view (by the node's reachable address)
     * @param previous the view chosen last time, or null
     * @return the view to route by, or null when none answered
     */
    static ClusterView choose(Map<NodeAddress, ClusterView> answers, ClusterView previous) {
        if (answers.isEmpty()) {
            return previous;
        }
        List<ClusterView> distinct = new ArrayList<>();
        List<Integer> votes = new ArrayList<>();
        List<Long> epochs = new ArrayList<>();
        int masters = 0;
        for (Map.Entry<NodeAddress, ClusterView> e : answers.entrySet()) {
            ClusterView v = e.getValue();
            int i = indexOf(distinct, v);
            if (i < 0) {
                distinct.add(v);
                votes.add(0);
                epochs.add(v.epoch());
                i = distinct.size() - 1;
            } else {
                epochs.set(i, Math.max(epochs.get(i), v.epoch()));
            }
            if (v.isMaster(e.getKey())) {
                masters++;
                votes.set(i, votes.get(i) + 1);
            }
        }
        int best = -1;
        for (int i = 0; i < distinct.size(); i++) {
            if (votes.get(i) * 2 > masters && (best < 0 || epochs.get(i) > epochs.get(best))) {
                best = i;
            }
        }
        if (best >= 0) {
            return freshest(distinct.get(best), answers);
        }
        if (previous != null) {
            return previous;
        }
        for (int i = 0; i < distinct.size(); i++) {
            if (best < 0 || epochs.get(i) > epochs.get(best)) {
                best = i;
            }
        }
        return distinct.get(best);
    }

    /**
     * Views with the same slot owners count as one: replica lists and health flags differ between
     * nodes for a moment too. Of those, the one from the highest epoch carries the latest health.
     */
    private static int indexOf(List<ClusterView> distinct, ClusterView v) {
        for (int i = 0; i < distinct.size(); i++) {
            if (distinct.get(i).sameSlotOwners(v)) {
                return i;
            }
        }
        return -1;
    }

    private static ClusterView freshest(ClusterView chosen, Map<NodeAddress, ClusterView> answers) {
        ClusterView best = chosen;
        for (ClusterView v : answers.values()) {
            if (v.sameSlotOwners(chosen) && v.epoch() > best.epoch()) {
                best = v;
            }
        }
        return best;
    }
}
