package io.respproxy.cluster;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.respproxy.routing.NodeAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterAgreementTest {

    private static final NodeAddress A = new NodeAddress("127.0.0.1", 7001);
    private static final NodeAddress B = new NodeAddress("127.0.0.1", 7002);
    private static final NodeAddress C = new NodeAddress("127.0.0.1", 7003);
    private static final NodeAddress A2 = new NodeAddress("127.0.0.1", 7004);

    /** Three masters A, B, C, each owning a third; {@code first} is the master of the first third. */
    private static ClusterView view(NodeAddress first, long epoch) {
        return new ClusterView(List.of(
                shard(0, 5460, "a", first),
                shard(5461, 10922, "b", B),
                shard(10923, 16383, "c", C)), epoch);
    }

    private static ClusterView.ViewShard shard(int from, int to, String id, NodeAddress master) {
        String nodeId = id + master.port();
        return new ClusterView.ViewShard(new int[] {from, to}, new ClusterView.ViewNode(nodeId, master, true), List.of());
    }

    @Test
    void theViewAMajorityOfTheMastersShareWins() {
        ClusterView old = view(A, 6);
        ClusterView promoted = view(A2, 7);
        Map<NodeAddress, ClusterView> answers = new LinkedHashMap<>();
        answers.put(B, promoted);   // B already learned the promotion
        answers.put(C, promoted);   // so did C
        answers.put(A, old);        // the old master, cut off, still claims its slots
        answers.put(A2, promoted);
        assertSame(promoted.shards().get(0).master().address(),
                ClusterAgreement.choose(answers, old).shards().get(0).master().address());
    }

    @Test
    void withoutAMajorityThePreviousAgreementStands() {
        ClusterView old = view(A, 6);
        ClusterView promoted = view(A2, 7);
        Map<NodeAddress, ClusterView> answers = new LinkedHashMap<>();
        answers.put(A, old);     // a master in the old view
        answers.put(A2, promoted); // a master in the new one; B and C do not answer
        assertSame(old, ClusterAgreement.choose(answers, old));
    }

    @Test
    void withoutAMajorityOrAnyPreviousViewTheNewestIsTaken() {
        ClusterView old = view(A, 6);
        ClusterView promoted = view(A2, 7);
        Map<NodeAddress, ClusterView> answers = new LinkedHashMap<>();
        answers.put(A, old);
        answers.put(A2, promoted);
        assertSame(promoted, ClusterAgreement.choose(answers, null));
    }

    @Test
    void replicasAndHealthDoNotSplitTheVoteAndTheNewestOfAnAgreedMapIsKept() {
        ClusterView a = view(A, 6);
        ClusterView sameOwnersLater = new ClusterView(List.of(
                new ClusterView.ViewShard(new int[] {0, 5460}, new ClusterView.ViewNode("a7001", A, false), List.of()),
                shard(5461, 10922, "b", B), shard(10923, 16383, "c", C)), 8);
        Map<NodeAddress, ClusterView> answers = new LinkedHashMap<>();
        answers.put(B, a);
        answers.put(C, sameOwnersLater);
        assertSame(sameOwnersLater, ClusterAgreement.choose(answers, null));
    }

    @Test
    void noAnswerKeepsWhatWasKnown() {
        ClusterView old = view(A, 6);
        assertSame(old, ClusterAgreement.choose(Map.of(), old));
        assertNull(ClusterAgreement.choose(Map.of(), null));
    }
}
