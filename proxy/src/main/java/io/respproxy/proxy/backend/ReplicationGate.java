package io.respproxy.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.respproxy.proxy.resp.RespReply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code writes.acknowledge = replicated} on one backend connection: a write's success is told to
 * its client only once enough replicas have it. Not one WAIT per write: the writes queued between
 * two flushes are followed by one {@code WAIT n timeout}, which Redis answers once n replicas have
 * taken everything this connection wrote before it. Their replies are held here meanwhile (errors
 * are not: a refused write was not applied, its client learns that at once); reads and other
 * clients' replies pass. When the WAIT counts fewer replicas, the held replies wait for the next
 * WAIT (one is sent if no later one is on its way) until {@code failover.hold-timeout} has passed
 * since the oldest came, and are then answered {@code -NOREPLICAS}: the master applied those
 * writes, no replica is known to have them.
 *
 * <p>The WAIT goes on the same connection as the writes, so a shared connection carries one
 * batch at a time while the replicas confirm it (a round trip to the nearest replica); that is
 * the policy's cost. A connection inside MULTI never gets one: only EXEC is marked as a write, and
 * a client sends nothing behind its EXEC until it is answered. Touched by its loop only.
 */
final class ReplicationGate {

    private static final Logger log = LoggerFactory.getLogger(ReplicationGate.class);

    private final BackendConnection conn;
    private final ReplicationPolicy policy;
    private final NodeStats stats;
    /** Numbers ({@link BackendConnection#lastQueued}) of the queued writes whose replies wait for a WAIT. */
    private final LongRing writes = new LongRing();
    /** Writes were queued since the last WAIT: the next flush sends one. */
    private boolean unconfirmed;
    /** WAITs sent and not answered. */
    private int waitsPending;
    /** Replies held, as pairs: the {@link PendingReply}, then its frame. */
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    /** When the oldest held reply came, or 0. */
    private long heldSinceNanos;
    /** A refusal of WAIT was logged for this connection. */
    private boolean refusalLogged;
    /**
     * The proxy left this node for another master ({@link #nodeLeft}): the writes queued before
     * (numbered below this) are answered with {@link #leftError} as their replies come, not held.
     */
    private long leftBefore = Long.MIN_VALUE;
    private String leftError;

    private final PendingReply waitReply = new PendingReply() {
        @Override
        public void onReply(ByteBuf reply, boolean error) {
            answered(reply, error);
        }

        @Override
        public void onFailure(BackendFailure failure, boolean written) {
            waitsPending--; // the held replies fail with the connection (see fail)
        }
    };

    ReplicationGate(BackendConnection conn, ReplicationPolicy policy, NodeStats stats) {
        this.conn = conn;
        this.policy = policy;
        this.stats = stats;
    }

    /** The request numbered {@code seq} writes: its success waits for the replicas. */
    void wrote(long seq) {
        writes.addLast(seq);
        unconfirmed = true;
    }

    /** At a flush: the writes queued since the last WAIT get one behind them. */
    void beforeFlush() {
        if (unconfirmed) {
            sendWait();
        }
    }

    private void sendWait() {
        unconfirmed = false;
        waitsPending++;
        stats.replicationWaits.increment();
        conn.queueBorrowed(policy.waitFrame(policy.replicasWanted(conn.key().node())), waitReply);
    }

    /**
     * The reply to request {@code seq} came: true when it is a write's success, now held here
     * (ownership of {@code frame} passes here); false to deliver it as usual.
     */
    boolean hold(long seq, PendingReply reply, ByteBuf frame, RespReply.ErrorKind error) {
        while (writes.size() > 0 && writes.peekFirst() < seq) {
            writes.pollFirst(); // a write that failed without a reply (cannot happen while open)
        }
        if (writes.size() == 0 || writes.peekFirst() != seq) {
            return false;
        }
        writes.pollFirst();
        if (error != RespReply.ErrorKind.NONE) {
            return false; // refused: not applied, nothing for replicas to confirm
        }
        if (seq < leftBefore) {
            // Sent before the proxy left the node (a frozen master that resumes): no confirmation
            // would make it safe, so its client is not kept waiting for one.
            frame.release();
            unconfirmed(reply, leftError);
            return true;
        }
        if (held.isEmpty()) {
            heldSinceNanos = System.nanoTime();
        }
        held.add(reply);
        held.add(frame);
        return true;
    }

    /** A WAIT answered: release what it confirms, or wait again, or give up. */
    private void answered(ByteBuf reply, boolean error) {
        waitsPending--;
        long replicas = -1;
        String refusal = null;
        try {
            if (error) {
                refusal = reply.toString(StandardCharsets.UTF_8).trim().substring(1);
            } else if (reply.readableBytes() > 1 && reply.getByte(reply.readerIndex()) == ':') {
                replicas = parse(reply);
            }
        } finally {
            reply.release();
        }
        int wanted = policy.replicasWanted(conn.key().node());
        if (replicas >= wanted) {
            release(null);
            return;
        }
        stats.replicationWaitsShort.increment();
        if (held.isEmpty()) {
            return;
        }
        if (refusal != null) {
            if (!refusalLogged) {
                refusalLogged = true;
                log.warn("{} refused WAIT ({}): writes through it cannot be confirmed by replicas "
                        + "(writes.acknowledge = replicated); they are answered -NOREPLICAS", conn.key().node(), refusal);
            }
            release(unconfirmedError(Math.max(replicas, 0), wanted, "the master refused WAIT: " + refusal));
            return;
        }
        if (System.nanoTime() - heldSinceNanos >= policy.holdNanos()) {
            release(unconfirmedError(replicas, wanted, "within " + policy.holdNanos() / 1_000_000 + " ms"));
            return;
        }
        if (waitsPending == 0) {
            sendWait(); // none behind it covers the held writes: ask again
            conn.flush();
        }
    }

    private static long parse(ByteBuf reply) {
        long n = 0;
        for (int i = reply.readerIndex() + 1; i < reply.writerIndex(); i++) {
            byte b = reply.getByte(i);
            if (b < '0' || b > '9') {
                break;
            }
            n = n * 10 + (b - '0');
        }
        return n;
    }

    private String unconfirmedError(long replicas, int wanted, String when) {
        return "NOREPLICAS " + conn.key().node() + " applied the write, but " + replicas + " of the " + wanted
                + " replica" + (wanted == 1 ? "" : "s") + " writes.min-replicas wants confirmed it " + when
                + "; the command may have been applied, and a failover may discard it";
    }

    /** Hands every held reply on: the success itself, or (error != null) that error instead. */
    private void release(String error) {
        heldSinceNanos = 0;
        while (!held.isEmpty()) {
            PendingReply r = (PendingReply) held.poll();
            ByteBuf frame = (ByteBuf) held.poll();
            if (error == null) {
                r.onReply(frame, RespReply.ErrorKind.NONE, null, 0);
            } else {
                frame.release();
                unconfirmed(r, error);
            }
        }
    }

    private void unconfirmed(PendingReply r, String error) {
        stats.unconfirmedWrites.increment();
        ByteBufAllocator alloc = conn.alloc();
        ByteBuf e = alloc.buffer(error.length() + 3);
        e.writeByte('-');
        ByteBufUtil.writeUtf8(e, error);
        e.writeByte('\r').writeByte('\n');
        r.unconfirmed(e);
    }

    /**
     * The proxy left this node for another master: the held writes are answered now, with an
     * error. Waiting on would not make them safe: whatever a replica confirms, the node's demotion
     * may discard them, and the proxy cannot tell its client they are kept.
     */
    void nodeLeft(String why, long nextSeq) {
        leftBefore = nextSeq;
        leftError = "ERR backend " + conn.key().node() + " applied the write, but the proxy left it for a new master ("
                + why + ") before replicas confirmed it; the command may have been applied";
        if (!held.isEmpty()) {
            release(leftError);
        }
    }

    /** The connection died: the held writes were applied on the master, whether kept is unknown. */
    void fail(BackendFailure why) {
        writes.clear();
        unconfirmed = false;
        heldSinceNanos = 0;
        while (!held.isEmpty()) {
            PendingReply r = (PendingReply) held.poll();
            ((ByteBuf) held.poll()).release();
            r.onFailure(why, true);
        }
    }

    boolean isEmpty() {
        return held.isEmpty();
    }
}
