package io.respproxy.proxy.session;

import io.respproxy.routing.route.ListenerRole;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.respproxy.proxy.backend.BackendConnection;
import io.respproxy.proxy.backend.BackendKey;
import io.respproxy.proxy.backend.BackendPool;
import io.respproxy.proxy.resp.FrameRun;
import io.respproxy.proxy.resp.RespProtocolError;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.RespRequestDecoder;
import io.respproxy.proxy.service.ServiceRuntime;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.command.CommandSpec;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: decodes nothing itself (the {@link RespRequestDecoder} before it does),
 * decides where each command goes, keeps replies in request order, and owns the client's state
 * (auth, db, protocol, name, transaction, blocking wait, subscription). Lives on one event loop
 * with the backend connections it uses, so nothing here is synchronized.
 */
public final class ClientSession extends ChannelInboundHandlerAdapter implements BackendPool.Flushable {

    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    private static final AtomicLong IDS = new AtomicLong();

    final ServiceRuntime service;
    final String listener;
    final ListenerRole role;
    final SessionSettings settings;
    final long id = IDS.incrementAndGet();
    final long createdMillis = System.currentTimeMillis();
    private final RespRequestDecoder decoder;
    private final ArrayDeque<ReplySlot> queue = new ArrayDeque<>();
    /** Requests decoded while the session waits (in-flight cap, barrier before a dedicated connection). */
    private final ArrayDeque<RespRequest> backlog = new ArrayDeque<>();
    /** Replies written since the last flush that lie back to back in a backend's buffer: one write. */
    private final FrameRun replies = new FrameRun();

    Channel channel;
    BackendPool pool;
    UserGrant grant;
    String clientName;
    String libName;
    String libVersion;
    int db;
    int protocol = 2;
    int readSeq;
    long lastCommandMillis = System.currentTimeMillis();
    String lastCommand = "NULL";
    final StatefulState stateful = new StatefulState(this);
    final FailoverHold hold = new FailoverHold(this);
    private boolean flushQueued;
    private boolean wroteInBatch;
    private boolean closing;
    /** QUIT or a protocol error: close once every earlier reply is written. */
    private boolean closeWhenDrained;
    private boolean resuming;
    /** Whether autoRead is on (it starts on). */
    private boolean reading = true;
    /** When unsent replies first exceeded the soft output limit (0: not over it). */
    private long softLimitSince;

    public ClientSession(ServiceRuntime service, String listener, ListenerRole role, RespRequestDecoder decoder) {
        this.service = service;
        this.listener = listener;
        this.role = role;
        this.settings = service.sessionSettings();
        this.decoder = decoder;
    }

    ByteBufAllocator alloc() {
        return channel.alloc();
    }

    public long id() {
        return id;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        pool = service.pool(channel.eventLoop());
        service.stats().connectedClients.incrementAndGet();
        service.stats().connectionsReceived.increment();
        service.sessions().put(id, this);
        if (settings.loopbackOnly() && !isLoopback()) {
            writeLocal(Reply.error(alloc(), Reply.PROTECTED_MODE));
            closeAfterReplies();
            return;
        }
        if (!service.users().required()) {
            grant = ClientUsers.openAccess();
            decoder.setLimits(settings.limits());
        } else {
            decoder.setLimits(settings.preAuthLimits());
        }
        ctx.fireChannelActive();
    }

    private boolean isLoopback() {
        return channel.remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null
                && a.getAddress().isLoopbackAddress();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        service.stats().connectedClients.decrementAndGet();
        service.sessions().remove(id);
        stateful.abandon();
        hold.release();
        replies.discard();
        RespRequest r;
        while ((r = backlog.poll()) != null) {
            r.release();
        }
        ReplySlot s;
        while ((s = queue.poll()) != null) {
            s.dropRetry();
            if (s.reply != null) {
                s.reply.release();
                s.reply = null;
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
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
        if (!backlog.isEmpty() || mustWait()) {
            backlog.add(req);
            updateReading();
            return;
        }
        handle(req);
    }

    /** True while new commands must wait: too many in flight, or a barrier before a connection switch. */
    private boolean mustWait() {
        return queue.size() >= settings.maxInFlight() || hold.holding() || stateful.waitingForBarrier(queue.isEmpty());
    }

    private void handle(RespRequest req) {
        service.stats().commandsProcessed.increment();
        lastCommandMillis = System.currentTimeMillis();
        CommandPolicy policy = service.policy();
        CommandSpec spec = policy.lookup(req);
        CommandKind kind = policy.kind(spec, req);
        lastCommand = spec.name();
        // As Redis 7: before authentication only the commands flagged no_auth (AUTH, HELLO, QUIT, RESET).
        if (grant == null && !spec.noAuth()) {
            req.release();
            writeLocal(Reply.error(alloc(), Reply.NOAUTH));
            return;
        }
        if (stateful.intercept(req, spec, kind)) {
            return;
        }
        switch (kind) {
            case LOCAL -> LocalCommands.execute(this, req, spec);
            case DENIED -> {
                writeLocal(Reply.error(alloc(), Reply.denied(req)));
                req.release();
            }
            case UNKNOWN -> {
                writeLocal(Reply.error(alloc(), Reply.unknownCommand(req)));
                req.release();
            }
            case READ -> forward(req, true);
            case WRITE -> forward(req, false);
            case TRANSACTION, WATCH, BLOCKING, SUBSCRIBE -> stateful.begin(req, spec, kind);
            case EXEC_OUTSIDE_MULTI -> {
                writeLocal(Reply.error(alloc(), Reply.execWithoutMulti(req)));
                req.release();
            }
        }
    }

    /** Sends {@code req} to the master or, for a read on a read/auto listener, a replica. */
    private void forward(RespRequest req, boolean read) {
        if (!read && refusedToReadOnlyUser(req)) {
            return;
        }
        if (!read && role == ListenerRole.READ && settings.readPortRejectsWrites()) {
            writeLocal(Reply.error(alloc(), Reply.READONLY_PORT));
            req.release();
            return;
        }
        NodeAddress node = target(read);
        if (node == null) {
            if (!hold.hold(req)) {
                writeLocal(Reply.error(alloc(), hold.timedOutError(shard().noMasterReason())));
                req.release();
            }
            return;
        }
        hold.release();
        if (read) {
            BackendConnection conn = pool.shared(new BackendKey(node, db, protocol));
            send(conn, req, null, true);
        } else {
            sendShared(node, req, null);
        }
    }

    /**
     * Sends a read whose connection failed before it answered to another node (not
     * {@code failed}), into the same reply slot. False when there is no other node.
     */
    boolean retryRead(ReplySlot slot, NodeAddress failed) {
        if (closing) {
            return false;
        }
        NodeAddress node = null;
        Shard shard = shard();
        for (int i = 0; i < shard.readReplicas().size() + 1 && (node == null || node.equals(failed)); i++) {
            node = target(true);
        }
        if (node == null || node.equals(failed)) {
            node = shard.master();
        }
        if (node == null || node.equals(failed)) {
            return false;
        }
        slot.attempts++;
        BackendConnection conn = pool.shared(new BackendKey(node, db, protocol));
        conn.send(slot.retry.frame().retainedDuplicate(), slot);
        pool.markDirty(conn);
        pool.flushBackends();
        return true;
    }

    /** A read-only user's write gets -NOPERM (and the request is released); false when allowed. */
    boolean refusedToReadOnlyUser(RespRequest req) {
        if (!grant.readOnly()) {
            return false;
        }
        writeLocal(Reply.error(alloc(), Reply.noPermission(req)));
        req.release();
        return true;
    }

    Shard shard() {
        return service.topology().primaryShard();
    }

    /** Where a command goes now; null when nowhere (no master, or a write refused on the read port). */
    NodeAddress target(boolean read) {
        Shard shard = shard();
        if (read && role != ListenerRole.WRITE) {
            NodeAddress n = shard.readTarget(readSeq++, settings.fallbackToMaster());
            if (n != null) {
                return n;
            }
        }
        if (!read && role == ListenerRole.READ && settings.readPortRejectsWrites()) {
            return null;
        }
        return shard.master();
    }

    /** Forwards the request frame over this loop's shared connection to {@code node}. */
    void sendShared(NodeAddress node, RespRequest req, ReplySlot.ReplyHook hook) {
        BackendConnection conn = pool.shared(new BackendKey(node, db, protocol));
        send(conn, req, hook);
    }

    void send(BackendConnection conn, RespRequest req, ReplySlot.ReplyHook hook) {
        send(conn, req, hook, false);
    }

    /** @param retryable a read: the slot keeps the request to send it elsewhere if the connection dies */
    private void send(BackendConnection conn, RespRequest req, ReplySlot.ReplyHook hook, boolean retryable) {
        ReplySlot slot = new ReplySlot(this, hook);
        if (retryable) {
            slot.retry = req.retain();
        }
        queue.add(slot);
        ByteBuf frame = req.frame().retain();
        ByteBuf source = req.source();
        int sourceIndex = req.sourceIndex();
        req.release();
        conn.send(frame, source, sourceIndex, slot);
        pool.markDirty(conn);
    }

    /** Queues a reply the proxy built itself, in order behind anything still in flight. */
    void writeLocal(ByteBuf reply) {
        ReplySlot slot = new ReplySlot(this, null);
        slot.reply = reply;
        queue.add(slot);
        drain();
    }


    void slotFilled(ReplySlot slot, boolean error) {
        if (error) {
            service.stats().errorReplies.increment();
        }
        if (closing) {
            // The client is gone (its queue was already emptied): nobody will write this reply.
            if (slot.reply != null) {
                slot.reply.release();
                slot.reply = null;
            }
            return;
        }
        if (queue.peek() == slot) {
            drain();
            if (wroteInBatch && !flushQueued) {
                flushQueued = true;
                pool.markClientDirty(this);
            }
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
            if (closing) {
                reply.release();
                continue;
            }
            ByteBuf previous = replies.add(reply, source, head.sourceIndex);
            if (previous != null) {
                channel.write(previous, channel.voidPromise());
            }
            wroteInBatch = true;
        }
        if (closeWhenDrained) {
            if (queue.isEmpty() && !closing) {
                closing = true;
                writeRun();
                channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        if (!backlog.isEmpty() && !closing) {
            resumeBacklog();
        }
        updateReading();
        checkOutputLimit();
    }

    /** Runs the waiting requests again (a failover hold rechecks the topology). */
    void retryBacklog() {
        if (!backlog.isEmpty() && !closing) {
            resumeBacklog();
        }
        // A timer, not a read batch: nothing else would flush replies written here or resume reading.
        updateReading();
        flushNow();
    }

    /** Puts back a request that must wait (barrier); it runs first once the wait is over. */
    void requeueFront(RespRequest req) {
        backlog.addFirst(req);
        updateReading();
    }

    /** A frame that answers no request of this client's (pub/sub message): written at once. */
    void writeUnordered(ByteBuf frame) {
        if (closing) {
            frame.release();
            return;
        }
        writeRun();
        channel.write(frame, channel.voidPromise());
        wroteInBatch = true;
        if (!flushQueued) {
            flushQueued = true;
            pool.markClientDirty(this);
        }
        checkOutputLimit();
    }

    private void resumeBacklog() {
        if (resuming) {
            return; // a local reply while resuming drains again: the outer loop continues in order
        }
        resuming = true;
        try {
            while (!backlog.isEmpty() && !mustWait() && !closing && !closeWhenDrained) {
                handle(backlog.poll());
            }
        } finally {
            resuming = false;
        }
        pool.flushBackends();
    }

    /**
     * Redis's client-output-buffer-limit: over the hard limit, or over the soft limit for longer
     * than the soft duration, a client that does not read its replies is disconnected.
     */
    private void checkOutputLimit() {
        var out = channel.unsafe().outboundBuffer();
        long pending = out == null ? 0 : out.totalPendingWriteBytes();
        if (pending > settings.outputHardLimit()) {
            disconnectSlowReader("hard", settings.outputHardLimit());
        } else if (settings.outputSoftLimit() > 0 && pending > settings.outputSoftLimit()) {
            long now = System.nanoTime();
            if (softLimitSince == 0) {
                softLimitSince = now;
                long delay = settings.outputSoftDuration().toMillis() + 1;
                channel.eventLoop().schedule(this::checkOutputLimit, delay, java.util.concurrent.TimeUnit.MILLISECONDS);
            } else if (now - softLimitSince >= settings.outputSoftDuration().toNanos()) {
                disconnectSlowReader("soft", settings.outputSoftLimit());
            }
        } else {
            softLimitSince = 0;
        }
    }

    private void disconnectSlowReader(String which, long limit) {
        if (closing) {
            return;
        }
        log.warn("client id={} {} exceeded the {} output buffer limit ({} bytes): disconnected",
                id, channel.remoteAddress(), which, limit);
        closing = true;
        channel.close();
    }

    @Override
    public void flushNow() {
        flushQueued = false;
        if (wroteInBatch) {
            wroteInBatch = false;
            writeRun();
            channel.flush();
            checkOutputLimit();
        }
    }

    /** Writes the replies gathered in {@link #replies} (unflushed). */
    private void writeRun() {
        ByteBuf run = replies.take();
        if (run != null) {
            channel.write(run, channel.voidPromise());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        pool.flushBackends();
        flushNow();
        updateReading();
    }

    /**
     * Reads the client's commands only while it may send more: nothing waits in the backlog and
     * fewer than {@code max-pipeline-in-flight} await replies. Called wherever either changes, so
     * reading resumes as soon as replies drain. Whether the client reads its replies does not
     * matter here (a client may write a whole pipeline before reading, as Jedis does, and pausing
     * would deadlock it): unsent replies are bounded by the output-buffer limits, as in Redis.
     */
    private void updateReading() {
        boolean read = !closing && !closeWhenDrained && backlog.isEmpty() && queue.size() < settings.maxInFlight();
        if (read != reading) {
            reading = read;
            channel.config().setAutoRead(read);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        checkOutputLimit();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && queue.isEmpty() && !stateful.isBlockedOrSubscribed()) {
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client id={} error", id, cause);
        ctx.close();
    }

    /** Sends every earlier reply, then closes (QUIT, protocol error); later requests are dropped. */
    void closeAfterReplies() {
        closeWhenDrained = true;
        updateReading();
        RespRequest r;
        while ((r = backlog.poll()) != null) {
            r.release();
        }
        drain();
    }

    /** After AUTH/HELLO succeeded: the relaxed limits apply from the next request on. */
    void authenticated(UserGrant g) {
        grant = g;
        decoder.setLimits(settings.limits());
    }

    /** Whether this session currently has replies outstanding (for graceful stop). */
    public boolean idle() {
        return queue.isEmpty();
    }

    public Channel channel() {
        return channel;
    }
}
