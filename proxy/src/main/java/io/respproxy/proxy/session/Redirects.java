package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.respproxy.proxy.backend.BackendConnection;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.backend.BackendKey;
import io.respproxy.proxy.backend.PendingReply;
import io.respproxy.proxy.resp.RespReply;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.TopologySource;
import java.nio.charset.StandardCharsets;

/**
 * What the proxy does with a cluster node's refusals, none of which applied the command: -MOVED
 * (the slot has a new owner), -ASK (the slot is migrating and this key already left), -TRYAGAIN
 * (a multi-key command whose keys are split by a migration) and -CLUSTERDOWN (a shard without a
 * master, during a failover). The client never sees a redirect: the command follows it, at most
 * {@link #MAX_REDIRECTS} times, and then gets -TRYAGAIN in the proxy's words. One per client,
 * beside its {@link Dispatcher}, which sends the command again where this decides.
 */
final class Redirects {

    /** Redirects a command follows before the client gets an error (a slot moving again and again). */
    static final int MAX_REDIRECTS = 5;

    /** {@code ASKING}: the next command on this connection may touch a slot being imported. */
    private static final ByteBuf ASKING;

    static {
        byte[] bytes = "*1\r\n$6\r\nASKING\r\n".getBytes(StandardCharsets.US_ASCII);
        ASKING = Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length, bytes.length).writeBytes(bytes)
                .asReadOnly());
    }

    private final ClientSession session;
    private final Dispatcher dispatcher;

    Redirects(ClientSession session, Dispatcher dispatcher) {
        this.session = session;
        this.dispatcher = dispatcher;
    }

    static boolean isClusterRefusal(RespReply.ErrorKind kind) {
        return kind == RespReply.ErrorKind.MOVED || kind == RespReply.ErrorKind.ASK
                || kind == RespReply.ErrorKind.TRYAGAIN || kind == RespReply.ErrorKind.CLUSTERDOWN;
    }

    static boolean isRedirect(RespReply.ErrorKind kind) {
        return kind == RespReply.ErrorKind.MOVED || kind == RespReply.ErrorKind.ASK;
    }

    private static ByteBuf asking() {
        return ASKING.duplicate();
    }

    /**
     * Where a -MOVED / -ASK frame sends the command, mapped through the service's {@code nat}
     * map; null when the frame is malformed. An empty host means the replying node's host.
     */
    private static RespReply.Redirect parse(ByteBuf frame, RespReply.ErrorKind kind) {
        try {
            return RespReply.Redirect.of(frame, kind == RespReply.ErrorKind.ASK);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static NodeAddress target(RespReply.Redirect r, NodeAddress from, TopologySource source) {
        String host = r.host().isEmpty() ? from.host() : r.host();
        return source.reachable(new NodeAddress(host, r.port()));
    }

    /** The pause before a -TRYAGAIN / -CLUSTERDOWN command is tried again: 20, 40, 80 ... 320 ms. */
    private static long backoffNanos(int attempt) {
        return java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(20L << Math.min(attempt, 4));
    }

    /** What the client gets for a redirect the proxy cannot read. */
    static final String MALFORMED = "TRYAGAIN respproxy: a cluster node answered with a redirect the proxy cannot "
            + "read; the command was not applied";

    /** What the client gets when a command was redirected too often. */
    static String tooManyRedirects(int redirects) {
        return "TRYAGAIN respproxy: the cluster redirected this command " + redirects
                + " times (slots are moving); it was not applied";
    }

    /**
     * A cluster node refused this slot's command without applying it. MOVED: the source learns
     * the slot's new owner and the command goes there. ASK: ASKING and the command go to the
     * importing node, the slot map unchanged. TRYAGAIN / CLUSTERDOWN: the command waits like a
     * held one (the client's later commands behind it) and is sent again after a pause, to
     * whatever node then owns the slot. False when the client should get the error: too many
     * redirects (then the slot is failed here), or the hold budget is spent. Takes ownership of
     * {@code frame} when it returns true.
     */
    boolean follow(ReplySlot slot, ByteBuf frame, RespReply.ErrorKind kind) {
        if (session.closing()) {
            return false;
        }
        var service = session.service();
        if (!isRedirect(kind)) {
            if (kind == RespReply.ErrorKind.CLUSTERDOWN) {
                service.source().requestRefresh();
            }
            long now = System.nanoTime();
            if (slot.firstRefusalNanos == 0) {
                slot.firstRefusalNanos = now;
            }
            if (now - slot.firstRefusalNanos > service.sessionSettings().holdTimeout().toNanos()
                    || (kind == RespReply.ErrorKind.TRYAGAIN && slot.trackedWrite
                        && session.writes().othersInFlight(slot.node, slot.order))) {
                // Waited the hold budget; or (TRYAGAIN, which only multi-key commands get) later
                // writes of this slot were sent behind it, may have been applied, and a retry would
                // overtake them: the client gets the node's own error (nothing was applied). A
                // -CLUSTERDOWN node refuses everything behind it too, so those retry in order.
                return false;
            }
            slot.refusedVersion = service.topology().version();
            slot.retryAfterNanos = System.nanoTime() + backoffNanos(slot.tryAgains++);
            if (!session.hold().reroute(slot)) {
                return false;
            }
            frame.release();
            return true;
        }
        RespReply.Redirect r = parse(frame, kind);
        frame.release();
        if (r == null) {
            slot.fail(MALFORMED);
            return true;
        }
        if (slot.redirects >= MAX_REDIRECTS) {
            slot.fail(tooManyRedirects(slot.redirects));
            return true;
        }
        slot.redirects++;
        NodeAddress target = redirectTo(r, kind, slot.node, slot.sentAs);
        dispatcher.send(slot, target);
        session.pool().flushBackends();
        return true;
    }

    /**
     * A part of a split or fanned-out command was refused by its cluster node without being
     * applied: it follows a MOVED / ASK to the named node, or after a -TRYAGAIN / -CLUSTERDOWN is
     * sent again after a pause to whatever node then owns its slot. False when the part should
     * take the error as its reply. Takes ownership of {@code frame} when it returns true.
     */
    boolean follow(MultiPartReply.Part part, ByteBuf frame, RespReply.ErrorKind kind) {
        var service = session.service();
        if (session.closing()) {
            return false;
        }
        if (isRedirect(kind) && part.redirects >= MAX_REDIRECTS) {
            return false;
        }
        if (!isRedirect(kind)) {
            long waited = System.nanoTime() - part.firstRefusalNanos();
            if (waited > service.sessionSettings().holdTimeout().toNanos() || part.slot() < 0
                    || (kind == RespReply.ErrorKind.TRYAGAIN && !part.read()
                        && session.writes().othersInFlight(part.node, part.slot()))) {
                return false;
            }
            if (kind == RespReply.ErrorKind.CLUSTERDOWN) {
                service.source().requestRefresh();
            }
            frame.release();
            long delay = backoffNanos(part.tryAgains++);
            session.pool().loop().schedule(() -> {
                if (session.closing()) {
                    part.abandon();
                    return;
                }
                Shard owner = service.topology().shardForSlot(part.slot());
                NodeAddress node = owner != null && owner.master() != null ? owner.master() : part.node;
                dispatcher.sendPart(node, part.request().retainedDuplicate(), part);
                session.pool().flushBackends();
            }, delay, java.util.concurrent.TimeUnit.NANOSECONDS);
            return true;
        }
        RespReply.Redirect r = parse(frame, kind);
        if (r == null) {
            return false;
        }
        frame.release();
        part.redirects++;
        NodeAddress target = redirectTo(r, kind, part.node, session.state().keyFor(part.node));
        dispatcher.sendPart(target, part.request().retainedDuplicate(), part);
        session.pool().flushBackends();
        return true;
    }

    /**
     * Where a -MOVED / -ASK {@code r} from {@code from} sends the command, counted: MOVED tells the
     * topology source the slot's new owner; ASK sends ASKING ahead of the command on this client's
     * shared connection (with the db, protocol and login of {@code sentAs}) to the importing node.
     */
    private NodeAddress redirectTo(RespReply.Redirect r, RespReply.ErrorKind kind, NodeAddress from, BackendKey sentAs) {
        var service = session.service();
        NodeAddress target = target(r, from, service.source());
        service.stats().redirects.increment();
        if (kind == RespReply.ErrorKind.MOVED) {
            service.source().reportMoved(r.slot(), target);
        } else {
            service.stats().askRedirects.increment();
            BackendConnection c = dispatcher.shared(sentAs.on(target));
            c.send(asking(), PendingReply.DISCARD);
            dispatcher.sentOn(c);
        }
        return target;
    }
}
