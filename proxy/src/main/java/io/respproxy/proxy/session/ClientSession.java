package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollSocketChannelConfig;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.respproxy.proxy.backend.BackendPool;
import io.respproxy.proxy.resp.RespProtocolError;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.RespRequestDecoder;
import io.respproxy.proxy.service.ClientHandle;
import io.respproxy.proxy.service.ClientInfo;
import io.respproxy.proxy.service.ClientMemory;
import io.respproxy.proxy.service.ClientPause;
import io.respproxy.proxy.service.ClientUsers;
import io.respproxy.proxy.service.HoldQueue;
import io.respproxy.proxy.service.OutputLimit;
import io.respproxy.proxy.service.ServiceRuntime;
import io.respproxy.proxy.service.SessionSettings;
import io.respproxy.proxy.service.UserGrant;
import io.respproxy.routing.Shard;
import io.respproxy.routing.command.CommandFlag;
import io.respproxy.routing.command.CommandSpec;
import io.respproxy.routing.route.ListenerRole;
import io.respproxy.routing.route.Route;
import io.respproxy.routing.route.Router;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection's command flow: each request is routed ({@link Router}), executed
 * ({@link Dispatcher}) and given a place in the client's reply order; filled places are written
 * from the head, in order ({@link ReplyWriter}). The parts it ties together each do one job:
 * {@link ClientState} (who the client is), {@link InputGate} (backlog and backpressure),
 * {@link FailoverHold}, {@link PinnedSession} (MULTI, blocking commands, subscriptions). Lives on
 * one event loop with the backend connections it uses, so nothing here is synchronized.
 */
public final class ClientSession implements ClientHandle {

    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    private final ServiceRuntime service;
    private final SessionSettings settings;
    private final ClientState state;
    private final RespRequestDecoder decoder;
    private final ArrayDeque<ReplySlot> queue = new ArrayDeque<>();
    /** Waiting for a CLIENT PAUSE to end, and how the pause wakes this client (on its loop). */
    private boolean pauseWaiting;
    private final ClientPause.Waiter pauseWaiter = this::wakeFromPause;
    /** CLIENT TRACKING: client-side caching state. */
    private final ClientTracking tracking = new ClientTracking(this);
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
    /** How long a client's replies may stand still, while it has commands waiting, before they are read ahead. */
    static final long OUTPUT_STALL_MILLIS = 250;
    /** The pending check for replies that stand still, and the client's unsent bytes when it was scheduled. */
    private ScheduledFuture<?> stallCheck;
    private long unsentAtStall;
    /** A task is queued to decode what the paused decoder holds. */
    private boolean decodeQueued;
    /**
     * Its replies stood still with max-pending-input read ahead: its commands run without the
     * byte window (bounded by its output limits and the budget) rather than wait for ever.
     */
    private boolean windowOff;
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
        this.meter = new SessionMeter(service.stats(), listener, service.slowLog(), new SessionMeter.Client() {
            @Override
            public String addr() {
                return channel == null ? "" : ClientCommand.addr(channel.remoteAddress());
            }

            @Override
            public String name() {
                return state.name() == null ? "" : state.name();
            }
        });
    }

    /** The connection is up (on its event loop). */
    void start(Channel ch) {
        channel = ch;
        pool = service.pool(ch.eventLoop());
        holdQueue = service.holdQueue(ch.eventLoop());
        input = new InputGate(ch, decoder, settings.maxInFlight(), settings.maxPendingInput());
        long pause = settings.maxPendingOutput();
        // Unwritable past max-pending-output, writable again at half: the event resumes the client.
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark((int) Math.min(pause / 2, Integer.MAX_VALUE),
                (int) Math.min(pause, Integer.MAX_VALUE)));
        if (settings.tcpNotsentLowat() > 0 && ch.config() instanceof EpollSocketChannelConfig epoll) {
            // The kernel keeps at most this much unsent: the rest waits here, counted by the window.
            epoll.setTcpNotSentLowAt(settings.tcpNotsentLowat());
        }
        writer = new ReplyWriter(ch, pool, settings, meter.listener(), this::describeHere);
        writer.account(service.clientMemory().open(ch.eventLoop(), new ClientMemory.Client() {
            @Override
            public long bufferBytes() {
                return writer.heldBytes() + inputBytes();
            }

            @Override
            public long sharedBytes() {
                return writer.sharedBytes();
            }

            @Override
            public String describe() {
                return describeHere();
            }

            @Override
            public void evict() {
                evicted();
            }

            @Override
            public boolean noEvict() {
                return state.noEvict();
            }
        }), this::inputBytes, service.clientMemory().sharedFrames(ch.eventLoop()));
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
        service.pause().leave(pauseWaiter);
        tracking.disable();
        pinned.abandon();
        hold.clear();
        writer.discard();
        input.releaseAll();
        writer.closeAccount();
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
            decoder.pause(); // the client's next commands stay raw bytes until this one runs
            updateReading();
            return;
        }
        handle(req);
    }

    /** True while new commands must wait: too many in flight, a barrier, held commands ahead, a CLIENT PAUSE. */
    private boolean mustWait() {
        return input.full(queue.size()) || (!windowOff && writer.outputFull(queue.size())) || hold.holding()
                || pinned.waitingForBarrier(queue.isEmpty()) || writes.blocking() || pauseWaiting;
    }

    /**
     * CLIENT PAUSE: a command the pause holds goes back to the head of the client's input, and the
     * client waits until UNPAUSE or the pause's end (a timer of its own wakes it then). A command
     * Redis would refuse at once (unknown, wrong arity, before AUTH) is not held. Also learns
     * which scripts and functions declare no-writes, for the pauses to come.
     */
    private boolean paused(CommandSpec spec, RespRequest req) {
        ClientPause pause = service.pause();
        learnScripts(pause, spec, req);
        if (pause.until() == 0 && !pinnedInTransaction()) {
            return false;
        }
        boolean writes = spec.isKnown() && pauseWrites(pause, spec, req);
        if (pinnedInTransaction() && !spec.name().equals("exec") && !spec.name().equals("discard")) {
            pinned.queued(writes);
        }
        if (!spec.isKnown() || !spec.acceptsArgCount(req.size()) || !state.authenticated() || !pause.holds(writes)) {
            return false;
        }
        input.addFirst(req);
        pauseWaiting = true;
        pause.await(pauseWaiter);
        long until = pause.until();
        if (until != 0) {
            channel.eventLoop().schedule(this::pauseEnded, Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        return true;
    }

    private boolean pinnedInTransaction() {
        return pinned.mode() == PinnedSession.Mode.TRANSACTION;
    }

    /** What CLIENT PAUSE WRITE holds: Redis's write and may-replicate commands; scripts unless known no-writes. */
    private boolean pauseWrites(ClientPause pause, CommandSpec spec, RespRequest req) {
        switch (spec.name()) {
            case "exec" -> {
                return pinned.transactionWrites();
            }
            case "eval" -> {
                return req.size() < 2 || !ClientPause.declaresNoWrites(req.argBytes(1));
            }
            case "evalsha" -> {
                return req.size() < 2 || !pause.scriptReadOnly(req.asString(1));
            }
            case "fcall" -> {
                return req.size() < 2 || !pause.functionReadOnly(req.asString(1));
            }
            default -> {
                return spec.has(CommandFlag.WRITE) || spec.has(CommandFlag.MAY_REPLICATE) || MAY_REPLICATE.contains(spec.name());
            }
        }
    }

    /**
     * Redis's may-replicate commands that are not writes: COMMAND INFO does not report the flag,
     * so the table does not know it.
     */
    private static final java.util.Set<String> MAY_REPLICATE = java.util.Set.of("publish", "spublish", "pfcount",
            "script|flush");

    private void learnScripts(ClientPause pause, CommandSpec spec, RespRequest req) {
        switch (spec.name()) {
            case "script|load" -> {
                if (req.size() == 3) {
                    pause.scriptSeen(req.argBytes(2));
                    service.tracking().scriptSeen(req.argBytes(2), service.router().table());
                }
            }
            case "eval" -> {
                if (req.size() >= 2 && ClientPause.declaresNoWrites(req.argBytes(1))) {
                    pause.scriptSeen(req.argBytes(1));
                }
            }
            case "function|load" -> {
                if (req.size() >= 3) {
                    pause.libraryLoaded(req.argBytes(req.size() - 1));
                }
            }
            default -> { }
        }
    }

    /** Any thread: the pause ended; this client resumes on its own loop. */
    private void wakeFromPause() {
        Channel ch = channel;
        if (ch != null) {
            ch.eventLoop().execute(this::pauseEnded);
        }
    }

    /** The pause ended (UNPAUSE, or its timer): the held command runs again, and may be held again. */
    private void pauseEnded() {
        if (pauseWaiting) {
            pauseWaiting = false;
            service.pause().leave(pauseWaiter);
            resumeOutsideReadBatch();
        }
    }

    /** Bytes of the client's commands the proxy holds: read but not yet run, and a partial one. */
    private long inputBytes() {
        return input.bytes();
    }

    private void handle(RespRequest req) {
        Router router = service.router();
        CommandSpec spec = router.lookup(req);
        if (paused(spec, req)) {
            return;
        }
        state.commandStarted(spec.isKnown() ? spec.name() : "unknown", req.frame().readableBytes());
        meter.begin(spec, req);
        try {
            tracking.beforeCommand(spec, req);
            if (state.authenticated() && pinned.intercept(req, spec)) {
                return;
            }
            Route route = router.route(spec, req, state, state.role(), service.topology(), state.nextReadSeq());
            dispatcher.execute(route, req, spec);
        } finally {
            meter.end();
            tracking.commandEnded(); // a slot made later (an asynchronous reply) names no keys
        }
    }

    /** A new place in the reply order (suppressed under CLIENT REPLY OFF/SKIP). */
    ReplySlot newSlot(ReplySlot.ReplyHook hook) {
        ReplySlot slot = new ReplySlot(this, hook);
        slot.keys = tracking.keysOfCommand();
        slot.cachedKeys = tracking.cachedKeysOfCommand();
        meter.assign(slot);
        if (repliesOff || repliesToSkip > 0) {
            slot.suppressed = true;
            repliesToSkip = Math.max(0, repliesToSkip - 1);
        }
        queue.add(slot);
        return slot;
    }

    /**
     * Writes a frame that answers no command (a tracking invalidation of {@code keys}; null: a
     * flush) in the place Redis would: after the reply of the last command still on its way that
     * named one of the keys (the invalidation may come from it, and a value it read must not be
     * cached after it), before the replies of the commands after that (a write that ran before
     * them is reported before their replies; those replies wait for it: see {@link #slotFilled}).
     * Not counted as a reply and never suppressed by CLIENT REPLY, as Redis sends pushes. Called
     * on this client's loop. {@code afterReplies}: the node wrote it after every reply already
     * here (it came among the replies of the connection they came on): after those too.
     */
    void push(ByteBuf frame, java.util.List<byte[]> keys, boolean afterReplies) {
        if (closing || closeWhenDrained) {
            frame.release();
            return;
        }
        ReplySlot before = keys == null ? null : firstAfterLastNaming(keys, afterReplies);
        if (before != null && before == queue.peek()) {
            writer.writeUnordered(frame); // nothing is owed before it: now, as Redis sends it
            writer.flushNow();
            return;
        }
        if (before != null) {
            if (before.pushesBefore == null) {
                before.pushesBefore = new ArrayList<>(2);
            }
            before.pushesBefore.add(frame);
            return;
        }
        ReplySlot slot = new ReplySlot(this, null);
        slot.reply = frame;
        slot.push = true;
        queue.add(slot);
        drain();
        writer.flushNow(); // a task of its own, outside any read batch whose end would flush it
    }

    /**
     * The queued slot after the last one whose command named one of {@code keys} (or that is an
     * invalidation itself, or, {@code afterFilled}, that has its reply already), and not before one that has invalidations to write already; null:
     * none after it.
     */
    private ReplySlot firstAfterLastNaming(java.util.List<byte[]> keys, boolean afterFilled) {
        ReplySlot candidate = null;
        boolean next = true;
        for (ReplySlot s : queue) {
            if (next || s.pushesBefore != null) {
                candidate = s; // and never before an earlier invalidation: they keep their order
                next = false;
            }
            if (s.push || s.names(keys) || (afterFilled && s.done())) {
                next = true;
                candidate = null;
            }
        }
        return candidate;
    }

    ClientTracking tracking() {
        return tracking;
    }

    /** Queues a reply the proxy built itself, in order behind anything still in flight. */
    void writeLocal(ByteBuf reply) {
        ReplySlot slot = newSlot(null);
        slot.reply = reply;
        boolean error = reply.isReadable() && reply.getByte(reply.readerIndex()) == '-';
        if (error) {
            service.stats().ownErrorReplies.increment();
        }
        meter.answered(slot, error);
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
        if (slot.node != null && tracking.fencesReplies()) {
            slot.fenced = true;
            service.tracking().fence(slot.node, channel.eventLoop(), () -> {
                slot.fenced = false;
                if (!closing && queue.peek() == slot) {
                    drain();
                    writer.flushNow();
                }
            });
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
        while ((head = queue.peek()) != null && head.done() && !head.fenced) {
            queue.poll();
            if (head.pushesBefore != null) {
                for (ByteBuf p : head.pushesBefore) {
                    writer.writeUnordered(p);
                }
                head.pushesBefore = null;
            }
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
                writer.drop(reply);
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
        resumeInput();
        updateReading();
        writer.checkOutputLimit();
    }

    /** The hold was retried (topology change or timer): run what waits and flush, outside any read batch. */
    void resumeOutsideReadBatch() {
        pool.clock().tick(); // a timer or a new topology: the loop's last reading may be old
        resumeInput();
        updateReading();
        writer.flushNow();
    }

    /** Runs what waits in the backlog, then (on a task of its own) what the paused decoder holds. */
    private void resumeInput() {
        if (input.hasBacklog() && !closing) {
            resumeBacklog();
        }
        if (decoder.paused() && !decodeQueued && !input.hasBacklog() && !closing && !closeWhenDrained && !mustWait()) {
            // Not from here: this may run inside the decoder's own read (a local reply drained).
            decodeQueued = true;
            channel.eventLoop().execute(this::decodeBuffered);
        }
    }

    /** The client's commands held as raw bytes while it waited: decoded and run now, as on a read. */
    private void decodeBuffered() {
        decodeQueued = false;
        if (!closing && !closeWhenDrained && !input.hasBacklog() && !mustWait()) {
            pool.clock().tick();
            decoder.resume();
            pool.flushBackends();
            writer.flushNow();
        }
        updateReading();
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
        writer.account();
    }

    /** The client's socket took enough of its replies (or fell behind): run what waits for that. */
    void writabilityChanged() {
        if (channel.isWritable() && !closing) {
            windowOff = false;
            writer.flushNow(); // what was gathered while it was behind goes out first
            resumeOutsideReadBatch();
        }
        writer.checkOutputLimit();
    }

    /** Closed by the client-buffer budget: it holds nothing and runs nothing from now on. */
    private void evicted() {
        closing = true;
        writer.discard();
        input.releaseAll();
        channel.close();
    }

    /** Subscribed or not: which of Redis's output-limit classes applies. */
    void outputClass(OutputLimit.ClientClass c) {
        writer.clientClass(c);
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
        if (stallCheck == null && input.waiting() && writer.outputFull(queue.size())) {
            unsentAtStall = writer.unsentBytes();
            stallCheck = channel.eventLoop().schedule(this::checkOutputStall, OUTPUT_STALL_MILLIS, TimeUnit.MILLISECONDS);
        } else if (!input.waiting()) {
            input.readAhead(false);
        }
        input.update(queue.size(), !closing && !closeWhenDrained);
    }

    /**
     * Commands wait because the client's replies piled up: when none of them left for
     * {@link #OUTPUT_STALL_MILLIS}, the client may be blocked writing a pipeline it reads only
     * once written, so its commands are read ahead (not run) into its own backlog.
     */
    private void checkOutputStall() {
        stallCheck = null;
        if (closing || windowOff || !input.waiting() || !writer.outputFull(queue.size())) {
            updateReading();
            return;
        }
        // Draining means an eighth of the window left in 250 ms: a client that reads nothing still
        // takes a trickle now and then (the kernel compacts its receive queue and opens its window
        // a little, and with TCP_NOTSENT_LOWAT each trickle reaches the proxy's queue).
        long unsent = writer.unsentBytes();
        if (unsent < unsentAtStall - Math.max(1, settings.maxPendingOutput() / 8)) {
            unsentAtStall = unsent; // draining: look again later
            stallCheck = channel.eventLoop().schedule(this::checkOutputStall, OUTPUT_STALL_MILLIS, TimeUnit.MILLISECONDS);
        } else if (!input.readingAhead()) {
            input.readAhead(true);
        } else if (input.readAheadFull()) {
            // Still standing still with max-pending-input read: a pipeline larger than that, written
            // before its first reply is read. Running it beats both sides waiting for ever.
            windowOff = true;
            log.info("client id={}: max-pending-input read ahead while its replies stood still: its commands run"
                    + " again, bounded by its output limits", state.id());
            resumeOutsideReadBatch();
            return;
        }
        updateReading();
        writer.account();
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
        tracking.disable();
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
    public void trackingMessages(java.util.List<java.util.List<byte[]>> messages) {
        if (channel != null) {
            channel.eventLoop().execute(() -> ClientTracking.receive(this, messages, true, false));
        }
    }

    @Override
    public CompletableFuture<ClientInfo> info() {
        return onLoop(() -> infoHere(false));
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
        return infoHere(false).line();
    }

    /**
     * This client as CLIENT LIST shows it, read on its own loop. {@code asking}: it is the client
     * running CLIENT INFO / LIST, whose command is in progress (its bytes count in qbuf and argv-mem).
     */
    ClientInfo infoHere(boolean asking) {
        long now = System.currentTimeMillis();
        StringBuilder flags = new StringBuilder(4);
        PinnedSession.Mode m = pinned.mode();
        if (m == PinnedSession.Mode.MONITOR) {
            flags.append('O');
        }
        if (m == PinnedSession.Mode.SUBSCRIBED) {
            flags.append('P');
        }
        if (m == PinnedSession.Mode.TRANSACTION) {
            flags.append('x');
        }
        if (m == PinnedSession.Mode.BLOCKED) {
            flags.append('b');
        }
        flags.append(tracking.flags());
        if (state.noEvict()) {
            flags.append('e');
        }
        if (state.noTouch()) {
            flags.append('T');
        }
        if (flags.isEmpty()) {
            flags.append('N');
        }
        long unsent = writer == null ? 0 : writer.unsentBytes();
        String events = (decoder != null && decoder.paused() ? "" : "r") + (unsent > 0 ? "w" : "");
        return new ClientInfo(state.id(),
                channel == null ? "" : ClientCommand.addr(channel.remoteAddress()),
                channel == null ? "" : ClientCommand.addr(channel.localAddress()),
                ClientCommand.fd(channel), state.name(), state.ageSeconds(now), asking ? 0 : state.idleSeconds(now),
                flags.toString(), state.db(),
                pinned.subscribed(SubscriptionState.Space.CHANNEL), pinned.subscribed(SubscriptionState.Space.PATTERN),
                pinned.subscribed(SubscriptionState.Space.SHARD), pinned.multiQueued(),
                inputBytes() + (asking ? state.commandBytes() : 0), asking ? state.commandBytes() : 0,
                queue.size(), unsent, events.isEmpty() ? "" : events,
                state.lastCommand().toLowerCase(java.util.Locale.ROOT), state.user(), tracking.redirectForList(),
                state.protocol(),
                state.libName(), state.libVersion(), state.listener());
    }
}
