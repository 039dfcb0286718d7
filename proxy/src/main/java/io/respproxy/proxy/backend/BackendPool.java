package io.respproxy.proxy.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.respproxy.proxy.metrics.LoopClock;
import io.respproxy.routing.NodeAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The backend connections of one event loop. Clients multiplex their commands over
 * {@code connections-per-node} shared connections per (node, db, protocol); stateful sessions take
 * dedicated ones, kept between sessions by a {@link DedicatedPool}. Only this loop's thread touches
 * a pool, so nothing here is synchronized (the {@link DedicatedLimit} shared with the service's
 * other loops is atomic).
 *
 * <p>Only what a node did is evidence against it: a refused or timed-out connect, a command
 * timeout, or a lost connection whose node then refuses a new one. A connection the proxy closes
 * itself (its client left, the idle pool was trimmed) never reaches the failure listener, and a
 * connection the server closes while it still accepts new ones (Sentinel's {@code CLIENT KILL})
 * is a reconnect, not a node failure.
 */
public final class BackendPool {

    /** Something with buffered output to flush once the current read batch ends. */
    public interface Flushable {
        void flushNow();
    }

    private final EventLoop loop;
    private final BackendSettings settings;
    /** writes.acknowledge = replicated: how this pool's data connections confirm writes; null: async. */
    private final ReplicationPolicy replication;
    private final DedicatedPool dedicated;
    private final Bootstrap bootstrap;
    private final NodeEvents nodeEvents;

    private final Map<BackendKey, BackendConnection[]> shared = new HashMap<>();
    private final StallCheck stalls;
    private final LongScripts scripts;
    private int nextLane;
    private final ReconnectBackoff backoff;
    /** Nodes being re-dialled after a lost connection, so a burst of losses dials once. */
    private final Set<NodeAddress> checking = new HashSet<>();
    private final List<BackendConnection> dirtyBackends = new ArrayList<>();
    private final List<Flushable> dirtyClients = new ArrayList<>();
    private final List<BackendConnection> all = new ArrayList<>();
    private final Set<BackendConnection> controls = new HashSet<>();
    private boolean flushScheduled;
    private final Runnable flushTask = this::flushDirty;
    private final long tickNanos;
    private long lastTickNanos = System.nanoTime();
    private final BackendStats stats;
    private final LoopClock clock = new LoopClock();
    /** Shared connections a node lost, by key, not re-opened yet: the next opens are reconnects. */
    private final Map<BackendKey, Integer> lostShared = new HashMap<>();

    /**
     * @param dedicatedLimit  the service's cap on dedicated connections per node, shared by its loops
     * @param nodeEvents      told (on this loop) what nodes did: failures, and connections closed
     *                        by a node that is alive
     * @param stats           where this pool counts, per node; shared by the service's pools
     * @param replication     writes.acknowledge = replicated: how its connections confirm writes; null: async
     */
    public BackendPool(EventLoop loop, Class<? extends Channel> channelClass, BackendSettings settings,
                       DedicatedLimit dedicatedLimit, NodeEvents nodeEvents, BackendStats stats,
                       ReplicationPolicy replication) {
        this.loop = loop;
        this.replication = replication;
        this.stats = stats;
        this.settings = settings;
        this.dedicated = new DedicatedPool(loop, dedicatedLimit, settings.dedicatedIdleTimeout().toNanos());
        this.nodeEvents = nodeEvents;
        this.stalls = new StallCheck(this, nodeEvents, settings.commandTimeout());
        this.scripts = new LongScripts(loop, settings.scriptSetAside(), this::setAside);
        this.backoff = new ReconnectBackoff(settings.reconnectMin(), settings.reconnectMax());
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024));
        Duration every = settings.commandTimeout();
        if (!settings.dedicatedIdleTimeout().isZero() && settings.dedicatedIdleTimeout().compareTo(every) < 0) {
            every = settings.dedicatedIdleTimeout();
        }
        long tick = Math.max(50, every.toMillis() / 4);
        tickNanos = TimeUnit.MILLISECONDS.toNanos(tick);
        loop.scheduleAtFixedRate(this::housekeeping, tick, tick, TimeUnit.MILLISECONDS);
        dedicatedLimit.register(dedicated);
    }

    public EventLoop loop() {
        return loop;
    }

    /** The clock reading of this loop that latencies are measured with (see {@link LoopClock}). */
    public LoopClock clock() {
        return clock;
    }

    /**
     * A lane for a new client of this loop: its commands to a node always use that lane's shared
     * connection. Lanes are handed out round-robin, so clients spread evenly over the
     * {@code connections-per-node} connections, and each client's commands to one node stay on one
     * connection: Redis runs them in the order the client sent them (a SET and a pipelined GET
     * after it on two connections could run in either order).
     */
    public int nextLane() {
        int lane = nextLane;
        nextLane = (nextLane + 1) % settings.connectionsPerNode();
        return lane;
    }

    /**
     * The multiplexed connection of {@code lane} (see {@link #nextLane()}) for {@code key}, dialled
     * on first use. While a script or function call is pending on it, one of the lane's spares
     * instead (dialled when needed, {@value #SPARES} at most): a command queued behind a script
     * waits for it to end, where Redis would run it or answer -BUSY, and a client that waits for
     * that -BUSY before it kills the script would wait for ever. When every spare has a script
     * pending too, the lane's own connection (set aside if the script runs long, see
     * {@link #scriptSent}).
     */
    public BackendConnection shared(BackendKey key, int lane) {
        BackendConnection[] lanes = shared.get(key);
        if (lanes == null) {
            lanes = new BackendConnection[settings.connectionsPerNode() * (1 + SPARES)];
            shared.put(key, lanes);
        }
        int base = lane * (1 + SPARES);
        BackendConnection c = lanes[base];
        if (c == null || !c.isUsable()) {
            c = open(key, true);
            lanes[base] = c;
        }
        if (!c.scriptPending()) {
            return c;
        }
        for (int j = 1; j <= SPARES; j++) {
            BackendConnection spare = lanes[base + j];
            if (spare == null || !spare.isUsable()) {
                spare = open(key, true);
                lanes[base + j] = spare;
                return spare;
            }
            if (!spare.scriptPending()) {
                return spare;
            }
        }
        return c;
    }

    /** Spare connections per lane, for while scripts are pending on its own. */
    private static final int SPARES = 3;

    /**
     * {@code c}, a shared connection, was just sent a script or function call (EVAL, FCALL...): if
     * it is still running {@code backend.script-set-aside-after} later, the connection is set aside.
     */
    public void scriptSent(BackendConnection c) {
        scripts.sent(c);
    }

    /**
     * A script has held {@code c} past {@code backend.script-set-aside-after}: its lane gets a fresh
     * connection for the commands that come next (they meet the node as its own clients would:
     * -BUSY past its busy-reply-threshold), and {@code c} closes once its replies are in.
     */
    private void setAside(BackendConnection c) {
        if (leaveLane(c)) {
            stats.node(c.key().node()).scriptSetAsides.increment();
            c.retire();
        }
    }

    /** Takes {@code c} out of its lane, so the lane dials a new connection; false if it was in none. */
    private boolean leaveLane(BackendConnection c) {
        BackendConnection[] lanes = shared.get(c.key());
        boolean found = false;
        for (int i = 0; lanes != null && i < lanes.length; i++) {
            if (lanes[i] == c) {
                lanes[i] = null;
                found = true;
            }
        }
        return found;
    }

    /**
     * A connection of its own for a stateful session (MULTI, blocking, pub/sub): an idle one for
     * the same key, else a new one; null when the service already holds
     * {@code dedicated.max-per-node} to this node, all of them in use.
     */
    public BackendConnection dedicated(BackendKey key) {
        BackendConnection conn = dedicated.take(key);
        if (conn == null && dedicated.admit(key.node())) {
            conn = open(key, false);
        }
        if (conn != null) {
            keepSpares(key);
        }
        return conn;
    }

    /**
     * Opens idle connections for {@code key} up to {@code dedicated.spares}, so the next stateful
     * session of this loop is written at once. Without one, a client's BLPOP waits for a connect
     * and a handshake while a command another client sends right after it (the LPUSH meant to
     * wake it, a DEL) goes out on a shared connection at once and reaches Redis first: on Redis
     * itself, the one sent first runs first. Only as many as the service's cap leaves room for.
     */
    private void keepSpares(BackendKey key) {
        for (int n = dedicated.idleCount(key); n < settings.dedicatedSpares(); n++) {
            if (!dedicated.admitSpare(key.node())) {
                return;
            }
            dedicated.addSpare(open(key, false)); // not pooled if it failed at once (backoff)
        }
    }

    /** A client of the service entered ({@code +1}) or left ({@code -1}) MONITOR (see {@link DedicatedLimit#monitoring}). */
    public void monitoring(int delta) {
        dedicated.limit().monitoring(delta);
    }

    /** Gives back a dedicated connection whose state ended cleanly (see {@link DedicatedPool#giveBack}). */
    public void release(BackendConnection c) {
        dedicated.giveBack(c);
    }

    /** A connection with requests written since the last flush; flushed at the end of the batch. */
    public void markDirty(BackendConnection c) {
        if (c.markDirty()) {
            dirtyBackends.add(c);
        }
    }

    /**
     * Flushes the backends written since the last flush, once per event-loop iteration: the flush
     * runs as a task, after the loop has read every client that was ready, so the commands of many
     * clients reach Redis in one write instead of one write per client read (what makes Redis
     * cheaper per command behind the proxy than direct).
     */
    public void flushBackends() {
        if (!dirtyBackends.isEmpty()) {
            scheduleFlush();
        }
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    /** The loop's flush, after its reads: backends first (their commands out), then clients. */
    private void flushDirty() {
        flushScheduled = false;
        clock.tick(); // when these requests are written: one reading for every connection flushed
        for (int i = 0; i < dirtyBackends.size(); i++) {
            dirtyBackends.get(i).flush();
        }
        dirtyBackends.clear();
        for (int i = 0; i < dirtyClients.size(); i++) {
            dirtyClients.get(i).flushNow();
        }
        dirtyClients.clear();
    }

    /**
     * A client with replies written since its last flush; flushed once per event-loop iteration,
     * with the backends, after every backend read of that iteration: a cluster pipeline answered
     * by three nodes goes back to the client in one write, not one per node.
     */
    public void markClientDirty(Flushable client) {
        dirtyClients.add(client);
        scheduleFlush();
    }

    /**
     * A connection for one control command (SCRIPT KILL, FUNCTION KILL, CLIENT UNBLOCK, the busy
     * check): outside {@code dedicated.max-per-node}, because it must get through precisely when
     * the dedicated connections are all taken (by clients blocked behind a script, say). Not
     * pooled: the caller closes it after its one reply.
     */
    public BackendConnection control(BackendKey key) {
        BackendConnection c = open(key, null);
        if (c.isUsable()) {
            controls.add(c);
        }
        return c;
    }

    /** Sends one control command to {@code node} on a {@link #control} connection, closed once answered. */
    public void controlCommand(NodeAddress node, ByteBuf request, PendingReply reply) {
        BackendConnection c = control(new BackendKey(node, 0, 2));
        c.send(request, new PendingReply() {
            @Override
            public void onReply(ByteBuf r, boolean error) {
                c.close();
                reply.onReply(r, error);
            }

            @Override
            public void onFailure(BackendFailure failure, boolean written) {
                reply.onFailure(failure, written);
            }
        });
        c.flush();
    }

    /** @param isShared true: a lane of the shared connections; false: dedicated; null: control */
    private BackendConnection open(BackendKey key, Boolean isShared) {
        NodeStats nodeStats = stats.node(key.node());
        BackendConnection conn = new BackendConnection(key, c -> closed(c, isShared), nodeStats,
                clock);
        if (replication != null && isShared != null) {
            conn.replicate(replication); // not a control connection: SCRIPT KILL and the like write nothing
        }
        all.add(conn);
        String retry = backoff.refusal(key.node());
        if (retry != null) {
            conn.fail(new BackendFailure(key.node(), BackendFailure.Kind.CONNECT_FAILED, retry));
            return conn;
        }
        ChannelFuture f = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                BackendFrames.install(ch.pipeline(), settings.maxReplyNesting(), conn);
            }
        }).connect(key.node().host(), key.node().port());
        conn.attach(f.channel());
        f.addListener(done -> {
            if (!conn.isUsable()) {
                // The proxy gave up on it first (its client left): the node did nothing wrong.
                return;
            }
            if (done.isSuccess()) {
                backoff.succeeded(key.node());
                conn.established = true;
                nodeStats.connections.incrementAndGet();
                nodeStats.opened.increment();
                boolean reconnect = false;
                if (Boolean.TRUE.equals(isShared) && !lostShared.isEmpty()) {
                    Integer lost = lostShared.remove(key);
                    if (lost != null) {
                        reconnect = true;
                        nodeStats.reconnects.increment();
                        if (lost > 1) {
                            lostShared.put(key, lost - 1);
                        }
                    }
                }
                Handshake hs = Handshake.build(f.channel().alloc(), key, settings.credentials(),
                        settings.clusterReadOnly(), conn);
                // After a lost connection the node may be dying: a killed process's sockets close
                // one by one, and while its listening socket is open the kernel still completes new
                // connections (seen in CI: a reconnect reset a moment after the loss). Requests
                // wait for the handshake's replies, so none is written to a process that never
                // reads it (a reset then fails them as not sent, and they wait for a node) and
                // none counts as "may have been applied" when it cannot have been. One round trip,
                // on reconnects only.
                conn.activate(hs.requests(), hs.replies(), Handshake.gates(key) || reconnect);
            } else {
                nodeStats.connectFailures.increment();
                String why = nodeFailed(key.node(), done.cause());
                conn.fail(new BackendFailure(key.node(), BackendFailure.Kind.CONNECT_FAILED, why));
            }
        });
        return conn;
    }

    /** The node refused or did not accept a connection: back off, and tell the topology source. */
    private String nodeFailed(NodeAddress node, Throwable cause) {
        String why = backoff.failed(node, BackendConnection.describe(cause));
        nodeEvents.failed(node);
        return why;
    }

    private void closed(BackendConnection c, Boolean isShared) {
        all.remove(c);
        if (c.established) {
            NodeStats nodeStats = stats.node(c.key().node());
            nodeStats.connections.decrementAndGet();
            BackendFailure.Kind why = c.failure().kind();
            nodeStats.closed(why);
            if (Boolean.TRUE.equals(isShared) && why != BackendFailure.Kind.CLOSED) {
                lostShared.merge(c.key(), 1, Integer::sum);
            }
        }
        if (isShared == null) {
            controls.remove(c); // a control connection: counted nowhere else
        } else if (isShared) {
            leaveLane(c);
        } else {
            dedicated.closed(c);
        }
        if (c.failure() != null && c.failure().kind() == BackendFailure.Kind.CONNECTION_LOST) {
            checkReachable(c.key().node());
        }
    }

    /**
     * A node closed or reset a connection. That alone proves nothing (Sentinel kills clients when
     * it reconfigures a node; Redis closes on {@code CLIENT KILL} and timeouts): dial it again,
     * and only a refused or timed-out connect marks it; an accepted one only asks for a fresh look.
     */
    private void checkReachable(NodeAddress node) {
        if (!checking.add(node)) {
            return;
        }
        bootstrap.clone().handler(new ChannelInboundHandlerAdapter())
                .connect(node.host(), node.port())
                .addListener((ChannelFuture f) -> {
                    checking.remove(node);
                    if (f.isSuccess()) {
                        backoff.succeeded(node);
                        f.channel().close();
                        nodeEvents.closedConnection(node);
                    } else {
                        nodeFailed(node, f.cause());
                    }
                });
    }

    private void housekeeping() {
        long now = clock.tick();
        // A tick that comes late means this loop itself was busy (a storm of connections): replies
        // may be waiting unread in the sockets, so silence is not the node's fault this time.
        boolean onTime = now - lastTickNanos < 2 * tickNanos;
        lastTickNanos = now;
        long timeout = settings.commandTimeout().toNanos();
        for (BackendConnection c : onTime ? List.copyOf(all) : List.<BackendConnection>of()) {
            if (c.isStalled(now, timeout)) {
                stalls.stalled(c);
            }
        }
        dedicated.closeExpired(now);
    }

    /**
     * The proxy left {@code node} for another master. Dedicated connections there are closed (a
     * transaction is discarded, a blocked command fails, a subscription is taken up again on the
     * new master); on shared ones, the writes still waiting for a reply are told
     * ({@link PendingReply#nodeLeft}): a -READONLY still re-routes them, a success becomes "may
     * have been applied". Reads go on; the node may serve them as a replica.
     */
    public void leftNode(NodeAddress node, String why) {
        for (BackendConnection c : List.copyOf(all)) {
            if (!c.key().node().equals(node)) {
                continue;
            }
            if (isShared(c)) {
                c.nodeLeft(why);
            } else if (!isControl(c)) {
                c.fail(new BackendFailure(node, BackendFailure.Kind.CLOSED, why));
            }
        }
    }

    /**
     * A failover of {@code node} has started (writes to it are held): the writes waiting there on a
     * shared connection that has been silent for {@code silentNanos} are told, as in
     * {@link #leftNode}. A connection that answers is left alone: its writes are acknowledged
     * long before a replica can be promoted; a silent one is a frozen master's, whose late
     * acknowledgements may come after the promotion.
     */
    public void leavingNode(NodeAddress node, String why, long silentNanos) {
        long now = System.nanoTime();
        for (BackendConnection c : List.copyOf(all)) {
            if (c.key().node().equals(node) && isShared(c) && c.isStalled(now, silentNanos)) {
                c.nodeLeft(why);
            }
        }
    }

    private boolean isShared(BackendConnection c) {
        BackendConnection[] lanes = shared.get(c.key());
        for (int i = 0; lanes != null && i < lanes.length; i++) {
            if (lanes[i] == c) {
                return true;
            }
        }
        return false;
    }

    private boolean isControl(BackendConnection c) {
        return controls.contains(c);
    }

    /** Closes every connection of this loop (graceful stop has drained clients first). */
    public void closeAll() {
        for (BackendConnection c : List.copyOf(all)) {
            c.close();
        }
    }

    /** Connections open now: shared + dedicated. */
    public int connectionCount() {
        return all.size();
    }
}
