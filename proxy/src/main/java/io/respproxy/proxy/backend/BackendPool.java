package io.respproxy.proxy.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.respproxy.routing.NodeAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The backend connections of one event loop. Every client on this loop multiplexes its commands
 * over the shared connection per (node, db, protocol); stateful sessions take dedicated ones.
 * Only this loop's thread touches a pool, so nothing here is synchronized.
 */
public final class BackendPool {

    /** Something with buffered output to flush once the current read batch ends. */
    public interface Flushable {
        void flushNow();
    }

    private final EventLoop loop;
    private final BackendSettings settings;
    private final Bootstrap bootstrap;
    private final Consumer<NodeAddress> failureListener;
    private static final int MAX_IDLE_DEDICATED_PER_KEY = 8;

    private final Map<BackendKey, BackendConnection> shared = new HashMap<>();
    private final Map<BackendKey, ArrayDeque<BackendConnection>> idleDedicated = new HashMap<>();
    private final Map<NodeAddress, Backoff> backoff = new HashMap<>();
    private final List<BackendConnection> dirtyBackends = new ArrayList<>();
    private final List<Flushable> dirtyClients = new ArrayList<>();
    private final List<BackendConnection> all = new ArrayList<>();
    private int dedicatedCount;
    private boolean flushScheduled;
    private final Runnable flushTask = this::flushDirtyBackends;

    /**
     * @param failureListener told (on this loop) when a node refuses a connection or drops one, so
     *                        the topology source can mark it suspect at once
     */
    public BackendPool(EventLoop loop, Class<? extends Channel> channelClass, BackendSettings settings,
                       Consumer<NodeAddress> failureListener) {
        this.loop = loop;
        this.settings = settings;
        this.failureListener = failureListener;
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024));
        long tick = Math.max(50, settings.commandTimeout().toMillis() / 4);
        loop.scheduleAtFixedRate(this::checkTimeouts, tick, tick, TimeUnit.MILLISECONDS);
    }

    public EventLoop loop() {
        return loop;
    }

    /** The multiplexed connection for {@code key}, dialled on first use. */
    public BackendConnection shared(BackendKey key) {
        BackendConnection c = shared.get(key);
        if (c == null || !c.isUsable()) {
            c = open(key, true);
            shared.put(key, c);
        }
        return c;
    }

    /**
     * A connection of its own for a stateful session (MULTI, blocking, pub/sub), or null when
     * the cap on dedicated connections is reached.
     */
    public BackendConnection dedicated(BackendKey key) {
        ArrayDeque<BackendConnection> idle = idleDedicated.get(key);
        BackendConnection c;
        while (idle != null && (c = idle.poll()) != null) {
            if (c.isUsable()) {
                return c;
            }
        }
        if (dedicatedCount >= settings.maxDedicated()) {
            return null;
        }
        dedicatedCount++;
        return open(key, false);
    }

    /**
     * A dedicated connection whose state ended cleanly (EXEC, a blocking reply, the last
     * UNSUBSCRIBE) is kept for the next stateful session; a few per key, the rest are closed.
     */
    public void release(BackendConnection c) {
        if (!c.isUsable()) {
            return;
        }
        ArrayDeque<BackendConnection> idle = idleDedicated.computeIfAbsent(c.key(), k -> new ArrayDeque<>());
        if (idle.size() < MAX_IDLE_DEDICATED_PER_KEY) {
            idle.add(c);
        } else {
            c.close();
        }
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
        if (!flushScheduled && !dirtyBackends.isEmpty()) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    private void flushDirtyBackends() {
        flushScheduled = false;
        for (int i = 0; i < dirtyBackends.size(); i++) {
            dirtyBackends.get(i).flush();
        }
        dirtyBackends.clear();
    }

    /** A client with replies written since its last flush; flushed when the backend read batch ends. */
    public void markClientDirty(Flushable client) {
        dirtyClients.add(client);
    }

    private void flushClients() {
        for (int i = 0; i < dirtyClients.size(); i++) {
            dirtyClients.get(i).flushNow();
        }
        dirtyClients.clear();
    }

    private BackendConnection open(BackendKey key, boolean isShared) {
        BackendConnection conn = new BackendConnection(key, c -> closed(c, isShared), this::flushClients);
        all.add(conn);
        Backoff b = backoff.get(key.node());
        if (b != null && System.nanoTime() < b.retryAtNanos) {
            conn.fail(new BackendFailure(key.node(), BackendFailure.Kind.CONNECT_FAILED,
                    "retrying in " + TimeUnit.NANOSECONDS.toMillis(b.retryAtNanos - System.nanoTime()) + " ms: " + b.lastError));
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
            if (done.isSuccess()) {
                backoff.remove(key.node());
                Handshake hs = Handshake.build(f.channel().alloc(), key, settings.credentials(), conn);
                conn.activate(hs.requests(), hs.replies());
            } else {
                Backoff next = backoff.computeIfAbsent(key.node(), n -> new Backoff());
                next.failed(settings.reconnectMin(), settings.reconnectMax(), BackendConnection.describe(done.cause()));
                failureListener.accept(key.node());
                conn.fail(new BackendFailure(key.node(), BackendFailure.Kind.CONNECT_FAILED, next.lastError));
            }
        });
        return conn;
    }

    private void closed(BackendConnection c, boolean isShared) {
        if (c.failure() != null && c.failure().kind() == BackendFailure.Kind.CONNECTION_LOST) {
            // The node dropped a connection: suspect at once, before the next probe.
            failureListener.accept(c.key().node());
        }
        all.remove(c);
        ArrayDeque<BackendConnection> idle = idleDedicated.get(c.key());
        if (idle != null) {
            idle.remove(c);
        }
        if (isShared) {
            shared.remove(c.key(), c);
        } else {
            dedicatedCount--;
        }
    }

    private void checkTimeouts() {
        long now = System.nanoTime();
        long timeout = settings.commandTimeout().toNanos();
        for (BackendConnection c : List.copyOf(shared.values())) {
            if (c.isStalled(now, timeout)) {
                failureListener.accept(c.key().node());
                c.fail(new BackendFailure(c.key().node(), BackendFailure.Kind.TIMEOUT,
                        "no reply within " + settings.commandTimeout().toMillis() + " ms"));
            }
        }
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

    private static final class Backoff {
        long retryAtNanos;
        long delayMillis;
        String lastError;

        void failed(Duration min, Duration max, String error) {
            delayMillis = delayMillis == 0 ? min.toMillis() : Math.min(max.toMillis(), delayMillis * 2);
            retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis);
            lastError = error;
        }
    }

    /** Settings of the backend side of one service. */
    public record BackendSettings(BackendCredentials credentials, Duration connectTimeout, Duration commandTimeout,
                                  Duration reconnectMin, Duration reconnectMax, int maxDedicated, int maxReplyNesting) {
    }
}
