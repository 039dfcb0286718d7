package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.backend.BackendConnection;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.backend.BackendKey;
import io.respproxy.proxy.backend.PendingReply;
import io.respproxy.proxy.resp.RespReply;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.routing.NodeAddress;

/**
 * A subscribed client's dedicated connection: its (un)subscribes and PINGs go there, and the
 * frames Redis sends back (confirmations, messages) go to the client as they come. What the client
 * holds and is owed is kept in {@link SubscriptionState}; when the connection dies, the
 * {@link Resubscriber} finds a new one and this sends it the subscriptions again, then the
 * commands that were still unanswered, so the client's connection stays open and, messages
 * published meanwhile aside (pub/sub is at most once), it does not notice.
 */
final class Subscription {

    private final ClientSession session;
    /** Called when Redis reports nothing subscribed and nothing is owed: subscribed mode is over. */
    private final Runnable over;
    private final SubscriptionState state = new SubscriptionState();
    private final Resubscriber resubscriber;
    /** The connection's db and protocol: a new one after a loss speaks the same. */
    private BackendKey key;
    /** Null while a lost connection is being replaced. */
    private BackendConnection conn;
    private boolean active;
    /** Cluster mode: the other masters' keyspace notifications (null before the start). */
    private KeyspaceFanIn fanIn;

    Subscription(ClientSession session, Runnable over) {
        this.session = session;
        this.over = over;
        this.resubscriber = new Resubscriber(session, this);
    }

    /** Subscribed mode begins on {@code conn} with {@code req} (a (P|S)SUBSCRIBE; ownership passes here). */
    void start(BackendConnection conn, RespRequest req, String command) {
        active = true;
        key = conn.key();
        fanIn = new KeyspaceFanIn(session, key.node());
        attach(conn);
        command(req, command);
        if (!conn.isUsable()) {
            // Refused at once (reconnect backoff): no close will be reported, so the wait starts here.
            this.conn = null;
            resubscriber.lost(key.node(), conn.failure());
        }
    }

    /** A (P|S)(UN)SUBSCRIBE or PING while subscribed (ownership of {@code req} passes here). */
    void command(RespRequest req, String command) {
        // RESP3 answers PING with a plain reply, in order with the client's other commands.
        ReplySlot slot = key.protocol() == 3 && command.equals("ping") ? session.newSlot(null) : null;
        SubscriptionState.Owed o = state.sent(command, req.size() - 1, req.frame().retainedDuplicate(), slot);
        session.meter().answeredUnordered(); // its confirmations are pushes, not a reply slot's
        if (!command.equals("ping")) {
            fanIn.sent(req, command);
        }
        req.release();
        if (conn != null) {
            send(o);
        } // else: sent once the connection is replaced, after the subscriptions
    }

    /** The connection's node and settings, for the resubscriber. */
    BackendKey key() {
        return key;
    }

    /** False while a lost connection is being replaced: commands wait for the new one. */
    boolean connected() {
        return conn != null;
    }

    SubscriptionState state() {
        return state;
    }

    boolean active() {
        return active;
    }

    /** A frame-sink that ignores a connection this subscription no longer uses. */
    private void attach(BackendConnection c) {
        conn = c;
        c.fairReads();
        c.pipeTo(new BackendConnection.FrameSink() {
            @Override
            public void onFrame(ByteBuf frame) {
                if (conn == c) {
                    Subscription.this.onFrame(frame);
                } else {
                    frame.release();
                }
            }

            @Override
            public void onClosed(BackendFailure why) {
                if (conn == c && active) {
                    conn = null;
                    resubscriber.lost(c.key().node(), why);
                }
            }
        });
    }

    private void send(SubscriptionState.Owed o) {
        ByteBuf request = o.request.retainedDuplicate();
        if (o.slot != null) {
            FifoReply r = new FifoReply(o);
            o.sentWith = r;
            conn.send(request, r);
        } else {
            conn.sendRaw(request);
        }
        session.pool().markDirty(conn);
    }

    private void onFrame(ByteBuf frame) {
        if (state.onFrame(frame)) {
            session.writeUnordered(frame.getByte(frame.readerIndex()) == '-' ? unlessRedirect(frame) : frame);
        } else {
            frame.release();
        }
        if (!state.resubscribing()) {
            resubscriber.settled();
        }
        endIfOver();
        if (answered != null && !state.answering()) {
            Runnable then = answered;
            answered = null;
            then.run();
        }
    }

    /** Runs once, when every command sent so far has all its replies (see {@link PinnedSession#intercept}). */
    private Runnable answered;

    void whenAnswered(Runnable then) {
        answered = then;
    }

    /**
     * A cluster node's -MOVED / -ASK for an SSUBSCRIBE routed by a view that was out of date (a
     * slot moving): the proxy learns the new owner (MOVED) and the client gets a -TRYAGAIN, which
     * it can follow by subscribing again, rather than a redirect to a backend address. Other
     * errors pass unchanged.
     */
    private ByteBuf unlessRedirect(ByteBuf frame) {
        RespReply.ErrorKind kind = RespReply.errorKindOf(frame);
        if (!Redirects.isRedirect(kind)) {
            return frame;
        }
        try {
            RespReply.Redirect r = RespReply.Redirect.of(frame, kind == RespReply.ErrorKind.ASK);
            if (!r.ask()) {
                var source = session.service().source();
                source.reportMoved(r.slot(), source.reachable(new NodeAddress(
                        r.host().isEmpty() ? key.node().host() : r.host(), r.port())));
            }
        } catch (RuntimeException malformed) {
            // answered the same; the next refresh learns the slot's owner
        }
        frame.release();
        return Reply.error(session.alloc(), RESUBSCRIBE);
    }

    static final String RESUBSCRIBE = "TRYAGAIN respproxy: the channel's slot is moving to another node; "
            + "subscribe again";

    private void endIfOver() {
        if (active && state.over()) {
            over.run();
        }
    }

    /**
     * A new connection replaces the lost one ({@code c}, just taken from the pool): the
     * subscriptions go first, then what the client sent that was not answered, in its order.
     * False when {@code c} is already closed (a refused connect): the resubscriber waits again.
     */
    boolean reconnected(BackendConnection c) {
        if (!c.isUsable()) {
            return false;
        }
        attach(c);
        key = c.key(); // the node may have changed (a failover); db and protocol are the same
        for (SubscriptionState.Owed o : state.replay(session.alloc())) {
            send(o);
        }
        session.pool().flushBackends();
        return true;
    }

    /**
     * Subscribed mode ended (the last unsubscribe, RESET, the client left, or the subscription
     * could not be re-established): the connection is closed rather than pooled, since whatever
     * Redis still sends on it must reach nobody else.
     */
    void stop() {
        active = false;
        resubscriber.cancel();
        if (fanIn != null) {
            fanIn.stop();
        }
        BackendConnection c = conn;
        conn = null;
        for (SubscriptionState.Owed o : state.clear()) {
            o.sentWith = null;
            o.slot.fail("ERR respproxy: the subscription ended before PING was answered");
        }
        if (c != null) {
            c.pipeTo(null);
            c.close();
        }
    }

    /** A RESP3 PING's place in the connection's FIFO; a loss leaves it owed, to be sent again. */
    private final class FifoReply implements PendingReply {
        private final SubscriptionState.Owed owed;

        FifoReply(SubscriptionState.Owed owed) {
            this.owed = owed;
        }

        @Override
        public void onReply(ByteBuf reply, boolean error) {
            onReply(reply, error ? RespReply.ErrorKind.OTHER : RespReply.ErrorKind.NONE, null, 0);
        }

        @Override
        public void onReply(ByteBuf reply, RespReply.ErrorKind error, ByteBuf source, int sourceIndex) {
            if (owed.sentWith != this) {
                reply.release();
                return;
            }
            owed.sentWith = null;
            state.answered(owed);
            owed.slot.onReply(reply, error, source, sourceIndex);
            endIfOver();
        }

        @Override
        public void onFailure(BackendFailure failure, boolean written) {
            // The connection was lost: the PING stays owed and goes to the next one.
        }
    }
}
