package io.respproxy.proxy.service;

import io.respproxy.health.ReplicationInfo;
import io.respproxy.health.ReplicationObserver;
import io.respproxy.routing.NodeAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a failover's promotion discarded of the writes a master acknowledged, in bytes of its
 * replication history, so that a loss Redis's asynchronous replication makes silently shows in the
 * log and in /metrics.
 *
 * <p>How far a master's history went when the proxy left it: the offset it last answered to the
 * health monitor ({@code INFO replication}, every role check), plus the bytes of the writes it
 * acknowledged through the proxy since that question was sent (the data path counts them;
 * {@link #mark} pairs the two). How much of it the promoted node took: its {@code
 * second_repl_offset} less one, where its {@code master_replid2} is the old master's history; or,
 * where it is a history the old master's continued (a node promoted from a master that failed over
 * before: several failovers in a row), no further than where the old master's line left that
 * history ({@link #lineage}, from every master's {@code master_replid2} and {@code
 * second_repl_offset}). The difference is what the promotion discarded. It is an estimate: a write is counted as the
 * bytes of its request, which is what Redis propagates for most writes (SET, RPUSH, INCR...), not
 * for all (a script propagates its effects, EXPIRE an absolute time), and writes other clients
 * sent to the node directly count only up to its last answer.
 */
public final class PromotionLoss implements ReplicationObserver {

    private static final Logger log = LoggerFactory.getLogger(PromotionLoss.class);
    /** A promoted node that has not shown the old history by then has another one: said so, and dropped. */
    private static final long SETTLE_WITHIN_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final String service;
    private final ServiceRuntime.ServiceStats stats;
    private final ConcurrentHashMap<NodeAddress, Node> nodes = new ConcurrentHashMap<>();
    /** Failovers whose promoted node has not yet answered how much of the old history it took. */
    private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    /**
     * Histories seen continued: a master's {@code master_replid} to the history it continued
     * ({@code master_replid2}) and where it left it ({@code second_repl_offset}). Bounded: a chain
     * of failovers is followed this far back at most.
     */
    private final ConcurrentHashMap<String, Continued> lineage = new ConcurrentHashMap<>();
    private static final int LINEAGE_MAX = 64;

    private record Continued(String previous, long from) {}

    private static final class Node {
        /** Bytes of the writes this node acknowledged through the proxy, ever. */
        final LongAdder acknowledged = new LongAdder();
        /** Its last answer as a master (guarded by this). */
        Baseline last;
    }

    /**
     * A master's answer: its history and offset, and {@link Node#acknowledged} when it was asked and
     * when the answer came. The writes acknowledged between the two may or may not be in the offset.
     */
    private record Baseline(String replid, long offset, long askedMark, long answeredMark) {}

    /**
     * A failover from {@code from}, whose history {@code replid} reached between {@code low} and
     * {@code high} (the writes acknowledged while its last answer was on its way), to {@code to}.
     */
    private record Pending(NodeAddress from, NodeAddress to, String replid, long low, long high, long sinceNanos) {}

    /** writes.acknowledge = replicated: a write the replicas did not confirm was answered an error. */
    private final boolean replicated;

    PromotionLoss(String service, ServiceRuntime.ServiceStats stats, boolean replicated) {
        this.service = service;
        this.stats = stats;
        this.replicated = replicated;
    }

    private Node node(NodeAddress node) {
        Node n = nodes.get(node);
        return n != null ? n : nodes.computeIfAbsent(node, k -> new Node());
    }

    /** The data path: {@code node} acknowledged a write of {@code bytes} forwarded to it. */
    public void acknowledged(NodeAddress node, int bytes) {
        node(node).acknowledged.add(bytes);
    }

    @Override
    public long mark(NodeAddress node) {
        return node(node).acknowledged.sum();
    }

    @Override
    public void observed(NodeAddress node, ReplicationInfo info, long mark) {
        if (info.role() == ReplicationInfo.Role.MASTER && info.replid() != null && info.offset() >= 0) {
            if (info.replid2() != null && info.secondOffset() > 0 && !lineage.containsKey(info.replid())) {
                if (lineage.size() >= LINEAGE_MAX) {
                    lineage.clear(); // an old chain no failover will need again
                }
                lineage.put(info.replid(), new Continued(info.replid2(), info.secondOffset()));
            }
            Node n = node(node);
            long answered = n.acknowledged.sum();
            synchronized (n) {
                Baseline b = n.last;
                // A probe and a role check may cross: of one history, the answer further along wins.
                if (b == null || !b.replid().equals(info.replid()) || info.offset() >= b.offset()) {
                    n.last = new Baseline(info.replid(), info.offset(), mark, answered);
                }
            }
        }
        if (!pending.isEmpty()) {
            settle(node, info);
        }
    }

    /**
     * A shard's master moved from {@code from} to {@code to} by a failover: once {@code to} answers
     * as a master, what it did not take of the writes {@code from} acknowledged is logged and
     * counted. Nothing when {@code from} never answered as a master.
     */
    void failover(NodeAddress from, NodeAddress to) {
        Node n = nodes.get(from);
        if (n == null) {
            return;
        }
        Baseline b;
        synchronized (n) {
            b = n.last;
        }
        if (b != null) {
            long acknowledged = n.acknowledged.sum();
            pending.add(new Pending(from, to, b.replid(), b.offset() + acknowledged - b.answeredMark(),
                    b.offset() + acknowledged - b.askedMark(), System.nanoTime()));
        }
    }

    private void settle(NodeAddress node, ReplicationInfo info) {
        for (Pending p : pending) {
            if (!p.to().equals(node) || info.role() != ReplicationInfo.Role.MASTER) {
                continue;
            }
            long held = heldAlongLineage(info, p.replid());
            if (held >= 0) {
                if (pending.remove(p)) {
                    report(p, held);
                }
            } else if (System.nanoTime() - p.sinceNanos() > SETTLE_WITHIN_NANOS && pending.remove(p)) {
                log.warn("[{}] failover {} -> {}: cannot tell what the promotion discarded: {} does not continue {}'s "
                        + "replication history (it was synced in full from elsewhere, or promoted again)",
                        service, p.from(), p.to(), p.to(), p.from());
            }
        }
    }

    /**
     * How much of history {@code replid} the promoted node ({@code info}) holds: directly (its
     * {@code master_replid2} is that history), or through the histories {@code replid} continued,
     * no further than where each was left; -1 when it continues none of them.
     */
    long heldAlongLineage(ReplicationInfo info, String replid) {
        long limit = Long.MAX_VALUE;
        String r = replid;
        for (int depth = 0; r != null && depth < LINEAGE_MAX; depth++) {
            long held = info.heldOf(r);
            if (held >= 0) {
                return Math.min(held, limit);
            }
            Continued c = lineage.get(r);
            if (c == null) {
                return -1;
            }
            limit = Math.min(limit, c.from() - 1);
            r = c.previous();
        }
        return -1;
    }

    /**
     * Counted and said at WARN only when the promotion surely discarded something: more than the
     * writes acknowledged while the old master's last answer was on its way, which its offset may
     * already have held (those make the figure a range).
     */
    private void report(Pending p, long held) {
        long least = p.low() - held;
        long most = p.high() - held;
        if (least > 0) {
            stats.discardedBytes.add(least);
            stats.discardingFailovers.increment();
            log.warn("[{}] failover {} -> {}: the promotion discarded at least {} bytes of writes {} had {} "
                    + "(at most {}: its history reached offset {} to {}, {} took it to {}){}", service, p.from(), p.to(),
                    least, p.from(), replicated ? "applied" : "acknowledged", most, p.low(), p.high(), p.to(), held,
                    replicated ? "; writes.acknowledge = replicated: those no replica had confirmed were answered an "
                            + "error" : "");
        } else {
            log.info("[{}] failover {} -> {}: the promoted node holds every write {} acknowledged{} (its history "
                    + "reached offset {} to {}, {} took it to {})", service, p.from(), p.to(), p.from(),
                    most > 0 ? ", but for at most " + most + " bytes acknowledged while its last answer was on its way" : "",
                    p.low(), p.high(), p.to(), held);
        }
    }
}
