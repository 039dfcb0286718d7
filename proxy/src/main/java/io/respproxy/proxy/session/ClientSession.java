package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import io.respproxy.proxy.backend.BackendPool;
import io.respproxy.proxy.resp.RespProtocolError;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.RespRequestDecoder;
import io.respproxy.proxy.service.ClientHandle;
import io.respproxy.proxy.service.ClientUsers;
import io.respproxy.proxy.service.HoldQueue;
import io.respproxy.proxy.service.ServiceRuntime;
import io.respproxy.proxy.service.SessionSettings;
import io.respproxy.proxy.service.UserGrant;
import io.respproxy.routing.Shard;
import io.respproxy.routing.command.CommandSpec;
import io.respproxy.routing.route.ListenerRole;
import io.respproxy.routing.route.Route;
import io.respproxy.routing.route.Router;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * One client connection's command flow: each request is routed ({@link Router}), executed
 * ({@link Dispatcher}) and given a place in the client's reply order; filled places are written
 * from the head, in order ({@link ReplyWriter}). The parts it ties together each do one job:
 * {@link ClientState} (who the client is), {@link InputGate} (backlog and backpressure),
 * {@link FailoverHold}, {@link PinnedSession} (MULTI, blocking commands, subscriptions). Lives on
 * one event loop with the backend connections it uses, so nothing here is synchronized.
 */
public final class ClientSession implements ClientHandle {

    private final ServiceRuntime service;
    private final SessionSettings settings;
    private final ClientState state;
    private final RespRequestDecoder decoder;
    private final ArrayDeque<ReplySlot> queue = new ArrayDeque<>();
    private final FailoverHold hold;
    private final PinnedSession pinned;
    private final SessionMeter meter;
    private Channel channel;
    private BackendPool pool;
    private HoldQueue holdQueue;
    private InputGate input;
    private ReplyWriter writer;
    private Dispatcher dispatcher;
    private boolean closing;
    /** QUIT or a protocol error: close once every earlier reply is written. */
    private boolean closeWhenDrained;
    private boolean resuming;
    private final WriteOrder writes = new WriteOrder();
    /** CLIENT REPLY OFF. */
    private boolean repliesOff;
    /** CLIENT REPLY SKIP: replies still to suppress (its own and the next command's). */
    private int repliesToSkip;

    public ClientSession(ServiceRuntime service, String listener, ListenerRole role, RespRequestDecoder decoder) {
        this.service = service;
        this.settings = service.sessionSettings();
        this.state = new ClientState(service.nextClientId(), listener, role);
        this.decoder = decoder;
        this.hold = new FailoverHold(this);
        this.pinned = new PinnedSession(this);
        this.meter = new SessionMeter(service.stats(), listener);
    }

    /** The connection is up (on its event loop). */
    void start(Channel ch) {
        channel = ch;
        pool = service.pool(ch.eventLoop());
        holdQueue = service.holdQueue(ch.eventLoop());
        input = new InputGate(ch, settings.maxInFlight());
        writer = new ReplyWriter(ch, pool, settings, state.id(), meter.listener());
        dispatcher = new Dispatcher(this, pool);
        meter.connected(pool.clock());
        service.stats().connectedClients.incrementAndGet();
        service.stats().connectionsReceived.increment();
        service.sessions().put(state.id(), this);
        boolean refused = settings.loopbackOnly() && !isLoopback();
        meter.admitted(refused);
        if (refused) {
            writeLocal(Reply.error(alloc(), Reply.PROTECTED_MODE));
            closeAfterReplies();
            return;
        }
        if (!service.users().required()) {
            state.grant(ClientUsers.openAccess());
            decoder.setLimits(settings.limits());
        } else {
            decoder.setLimits(settings.preAuthLimits());
        }
    }

    private boolean isLoopback() {
        return channel.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                && a.getAddress().isLoopbackAddress();
    }

    /** The connection is gone: release everything the client held. */
    void stop() {
        closing = true;
        service.stats().connectedClients.decrementAndGet();
        meter.disconnected(decoder);
        service.sessions().remove(state.id());
        pinned.abandon();
        hold.clear();
        writer.discard();
        input.releaseAll();
        ReplySlot s;
        while ((s = queue.poll()) != null) {
            s.discard();
        }
    }

    /** A decoded request or protocol error from the client. */
    void onMessage(Object msg) {
        if (closing || closeWhenDrained) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof RespProtocolError e) {
            writeLocal(Reply.error(alloc(), e.errorLine()));
            closeAfterReplies();
            return;
        }
        RespRequest req = (RespRequest) msg;
        // Counted once on arrival: a held command that runs again is still one command.
        service.stats().commandsProcessed.increment();
        meter.arrived(req);
        if (input.hasBacklog() || mustWait()) {
            input.add(req);
            updateReading();
            return;
        }
        handle(req);
    }

    /** True while new commands must wait: too many in flight, a barrier, or held commands ahead. */
    private boolean mustWait() {
        return input.full(queue.size()) || hold.holding() || pinned.waitingForBarrier(queue.isEmpty())
                || writes.blocking();
    }

    private void handle(RespRequest req) {
        Router router = service.router();
        CommandSpec spec = router.lookup(req);
        state.commandStarted(spec.isKnown() ? spec.name() : "unknown");
        meter.begin(spec, req);
        try {
            if (state.authenticated() && pinned.intercept(req, spec)) {
                return;
            }
            Route route = router.route(spec, req, state, state.role(), service.topology(), state.nextReadSeq());
            dispatcher.execute(route, req, spec);
        } finally {
            meter.end();
        }
    }

    /** A new place in the reply order (suppressed under CLIENT REPLY OFF/SKIP). */
    ReplySlot newSlot(ReplySlot.ReplyHook hook) {
        ReplySlot slot = new ReplySlot(this, hook);
        meter.assign(slot);
        if (repliesOff || repliesToSkip > 0) {
            slot.suppressed = true;
            repliesToSkip = Math.max(0, repliesToSkip - 1);
        }
        queue.add(slot);
        return slot;
    }

    /** Queues a reply the proxy built itself, in order behind anything still in flight. */
    void writeLocal(ByteBuf reply) {
        ReplySlot slot = newSlot(null);
        slot.reply = reply;
        meter.answered(slot, reply.isReadable() && reply.getByte(reply.readerIndex()) == '-');
        drain();
    }

    void slotFilled(ReplySlot slot, boolean error) {
        if (error) {
            service.stats().errorReplies.increment();
        }
        meter.answered(slot, error);
        if (closing) {
            slot.discard(); // the client is gone (its queue was already emptied)
            return;
        }
        if (queue.peek() == slot) {
            drain();
            writer.flushSoon();
        }
    }

    /** Writes every filled slot from the head of the queue; resumes reading when there is room again. */
    private void drain() {
        ReplySlot head;
        while ((head = queue.peek()) != null && head.done()) {
            queue.poll();
            ByteBuf reply = head.reply;
            ByteBuf source = head.source;
            head.reply = null;
            head.source = null;
            if (head.hook != null) {
                ByteBuf hooked = head.hook.replied(this, reply);
                if (hooked != reply) {
                    source = null;
                    reply = hooked;
                }
            }
            if (head.suppressed) {
                reply.release();
            } else {
                writer.write(reply, source, head.sourceIndex);
            }
        }
        if (closeWhenDrained) {
            if (queue.isEmpty() && !closing) {
                closing = true;
                writer.flushAndClose();
            }
            return;
        }
        if (input.hasBacklog() && !closing) {
            resumeBacklog();
        }
        updateReading();
        writer.checkOutputLimit();
    }

    /** The hold was retried (topology change or timer): run what waits and flush, outside any read batch. */
    void resumeOutsideReadBatch() {
        pool.clock().tick(); // a timer or a new topology: the loop's last reading may be old
        if (input.hasBacklog() && !closing) {
            resumeBacklog();
        }
        updateReading();
        writer.flushNow();
    }

    private void resumeBacklog() {
        if (resuming) {
            return; // a local reply while resuming drains again: the outer loop continues in order
        }
        resuming = true;
        try {
            while (input.hasBacklog() && !mustWait() && !closing && !closeWhenDrained) {
                handle(input.poll());
            }
        } finally {
            resuming = false;
        }
        pool.flushBackends();
    }

    /** The client's read batch ended: flush the backends and the client. */
    void readComplete() {
        meter.readComplete(decoder);
        pool.flushBackends();
        writer.flushNow();
        updateReading();
    }

    void writabilityChanged() {
        writer.checkOutputLimit();
    }

    /** {@code client-idle-timeout} fired: close unless the client waits for something. */
    boolean closeIfIdle() {
        if (queue.isEmpty() && !pinned.isBlockedOrSubscribed()) {
            channel.close();
            return true;
        }
        return false;
    }

    private void updateReading() {
        input.update(queue.size(), !closing && !closeWhenDrained);
    }

    /** Sends every earlier reply, then closes (QUIT, protocol error); later requests are dropped. */
    void closeAfterReplies() {
        closeWhenDrained = true;
        updateReading();
        input.releaseAll();
        drain();
    }

    /** After AUTH/HELLO succeeded: the relaxed limits apply from the next request on. */
    void authenticated(UserGrant g) {
        state.grant(g);
        decoder.setLimits(settings.limits());
    }

    /** RESET: a fresh connection's state, and the pre-authentication limits again when users are required. */
    void reset() {
        boolean keepUser = !service.users().required();
        state.reset(keepUser);
        repliesOff = false;
        repliesToSkip = 0;
        if (!keepUser) {
            decoder.setLimits(settings.preAuthLimits());
        }
    }

    /** CLIENT REPLY ON | OFF | SKIP, applied from this command's own reply on. */
    void replyMode(String mode) {
        switch (mode) {
            case "ON" -> {
                repliesOff = false;
                repliesToSkip = 0;
            }
            case "OFF" -> repliesOff = true;
            default -> repliesToSkip = 2; // SKIP: its own reply and the next command's
        }
    }

    void writeUnordered(ByteBuf frame) {
        writer.writeUnordered(frame);
    }

    ByteBufAllocator alloc() {
        return channel.alloc();
    }

    ServiceRuntime service() {
        return service;
    }

    SessionSettings settings() {
        return settings;
    }

    ClientState state() {
        return state;
    }

    BackendPool pool() {
        return pool;
    }

    InputGate input() {
        return input;
    }

    FailoverHold hold() {
        return hold;
    }

    HoldQueue holdQueue() {
        return holdQueue;
    }

    WriteOrder writes() {
        return writes;
    }

    PinnedSession pinned() {
        return pinned;
    }

    SessionMeter meter() {
        return meter;
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    boolean closing() {
        return closing;
    }

    /** The only shard of a static or sentinel service. */
    Shard shard() {
        return service.topology().primaryShard();
    }

    Channel channel() {
        return channel;
    }

    @Override
    public long id() {
        return state.id();
    }

    /** Whether this session currently has replies outstanding (graceful stop). */
    @Override
    public boolean idle() {
        return queue.isEmpty();
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close();
        }
    }

    @Override
    public CompletableFuture<String> describe() {
        return onLoop(() -> channel == null ? state.describe("", "") : describeHere());
    }

    @Override
    public CompletableFuture<String> unblock(String mode) {
        return onLoop(() -> pinned.unblock(mode)).thenCompose(f -> f);
    }

    /** {@code what}, computed on this client's event loop (its state belongs there). */
    private <T> CompletableFuture<T> onLoop(java.util.function.Supplier<T> what) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (channel == null || channel.eventLoop().inEventLoop()) {
            f.complete(what.get());
        } else {
            channel.eventLoop().execute(() -> f.complete(what.get()));
        }
        return f;
    }

    private String describeHere() {
        return state.describe(ClientCommand.addr(channel.remoteAddress()), ClientCommand.addr(channel.localAddress()));
    }
}
