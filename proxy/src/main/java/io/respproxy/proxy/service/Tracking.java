package io.respproxy.proxy.service;


import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.respproxy.proxy.backend.BackendConnection;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.backend.BackendKey;
import io.respproxy.proxy.backend.BackendPool;
import io.respproxy.proxy.backend.PendingReply;
import io.respproxy.proxy.backend.RequestEncoder;
import io.respproxy.proxy.resp.RespValues;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.Topology;
import io.respproxy.routing.command.CommandTable;
import io.respproxy.routing.command.ScriptCalls;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client-side caching through the proxy, multiplexed. While any client of the service tracks,
 * the proxy keeps two connections per node it serves from (the master, the replicas that serve
 * reads, every node in a cluster). One has {@code CLIENT TRACKING ON BCAST}: the node tells it of
 * every key that changes (written, expired, evicted) and of flushes, but only once per turn of
 * its loop, keys sorted. The other is the redirect target of the shared RESP2 data connections.
 * Shared data connections track in OPTIN mode: a tracking client's read goes out behind
 * {@code CLIENT CACHING YES}, and the node reports a change of a key read so as each write runs,
 * in the order of the writes, as Redis reports them to its own tracking clients: among the
 * replies of a RESP3 connection itself, to the target for a RESP2 one. A read that went out so is
 * reported that way alone; any other (in a transaction, on a dedicated connection, before the
 * node's target is up) by the broadcast. The {@link TrackingTable} says which of the proxy's clients a report
 * concerns; each is told on its own loop. A client is told to flush everything when the proxy's
 * connection to a node is lost and again when it is back (what changed meanwhile is unknown),
 * and when the master changes. The listeners live on one event loop (the first tracking
 * client's) and are touched only there.
 */
public final class Tracking {

    private static final Logger log = LoggerFactory.getLogger(Tracking.class);

    /** A tracking client as the fan-out sees it: called on any thread, it hands over to its own loop. */
    public interface Client {
        /**
         * Invalidation messages for it, each a list of keys; {@code inline}: reported among the
         * replies of a connection of the caller's loop, so a client on that loop places them
         * now, after every reply already in (they were written before the report).
         */
        void invalidate(List<List<byte[]>> messages, boolean inline);

        /** Keys the table's bound dropped: no write of anyone's, so NOLOOP does not hide them. */
        void dropped(List<List<byte[]>> messages);

        /** Every key may have changed (a flush, a lost node connection, a failover). */
        void flushAll();

        /** Whether its reads go to masters (a writing port): a replica's report of a change is not for it. */
        boolean readsFromMasters();
    }

    private final String service;
    private final TrackingTable table;
    private final Map<Long, Client> clients = new ConcurrentHashMap<>();
    private final Supplier<Topology> topology;
    private final java.util.function.Function<EventLoop, BackendPool> pools;
    /** Where the listeners live; set by the first client, never changed. */
    private volatile EventLoop host;
    /**
     * Host loop only: the broadcast listener and the redirect target per node, and the nodes
     * whose listener or target the node has not confirmed yet.
     */
    private final Map<NodeAddress, BackendConnection> listeners = new HashMap<>();
    private final Map<NodeAddress, BackendConnection> targets = new HashMap<>();
    private final Set<NodeAddress> confirming = new LinkedHashSet<>();
    private final Set<NodeAddress> targetsConfirming = new LinkedHashSet<>();
    /** The client id of each node's confirmed redirect target (read by the clients' loops). */
    private final Map<NodeAddress, Long> targetIds = new ConcurrentHashMap<>();
    private final List<CompletableFuture<Void>> waitingForListeners = new ArrayList<>();
    private boolean retryScheduled;

    Tracking(String service, int maxKeys, Supplier<Topology> topology,
             java.util.function.Function<EventLoop, BackendPool> pools) {
        this.service = service;
        this.table = new TrackingTable(maxKeys);
        this.topology = topology;
        this.pools = pools;
    }

    public TrackingTable table() {
        return table;
    }

    /** Clients tracking now (INFO's tracking_clients). */
    public int clients() {
        return clients.size();
    }

    /**
     * Client {@code id} tracks from now on. Completes once every node the proxy serves from
     * listens (an invalidation before that could be missed), or at once when they already do.
     */
    public CompletableFuture<Void> enable(long id, Client client, EventLoop loop) {
        clients.put(id, client);
        if (host == null) {
            synchronized (this) {
                if (host == null) {
                    host = loop;
                }
            }
        }
        CompletableFuture<Void> ready = new CompletableFuture<>();
        host.execute(() -> {
            reconcile();
            if (allConfirmed()) {
                ready.complete(null);
            } else {
                waitingForListeners.add(ready);
            }
        });
        return ready;
    }

    /**
     * Client {@code id} stopped tracking, or left. Once no client tracks, nothing reports changes
     * any more and the table is emptied (Redis keeps a client's keys after CLIENT TRACKING OFF until
     * they change or a flush; with no listener the proxy would never hear of either).
     */
    public void disable(long id) {
        if (clients.remove(id) != null) {
            table.stopBroadcast(id);
            if (clients.isEmpty()) {
                table.clear();
            }
            EventLoop h = host;
            if (h != null) {
                h.execute(this::reconcile);
            }
        }
    }

    /** A new topology: listeners follow the nodes; a new master means every cached key may be stale. */
    void topologyChanged(boolean masterChanged) {
        EventLoop h = host;
        if (h == null) {
            return;
        }
        h.execute(() -> {
            if (masterChanged && !clients.isEmpty()) {
                flushEveryone("the master changed");
            }
            reconcile();
        });
    }

    /**
     * Remembers a key client {@code id} read from {@code node} ({@link TrackingTable#ANY_NODE}: any);
     * tells whoever the table's bound dropped.
     */
    public void remember(long id, byte[] key, Object node) {
        tellDropped(table.remember(id, key, node));
    }

    /**
     * Runs {@code then} on {@code loop} once every invalidation {@code node} sent before now has
     * been handed to its clients' loops: a PING on the node's listener, whose PONG comes after
     * every push the node wrote before it ran (and the clients' deliveries, queued on their loops
     * before {@code then}). A reply held until then comes after the invalidations of writes that
     * ran before the command it answers, as on Redis. At once when the node has no confirmed
     * listener (nothing to wait for), or when the fence's connection fails.
     */
    public void fence(NodeAddress node, EventLoop loop, Runnable then) {
        EventLoop h = host;
        if (h == null) {
            loop.execute(then);
            return;
        }
        h.execute(() -> {
            List<BackendConnection> both = new ArrayList<>(2);
            BackendConnection c = listeners.get(node);
            if (c != null && c.isUsable() && !confirming.contains(node)) {
                both.add(c);
            }
            BackendConnection t = targets.get(node);
            if (t != null && t.isUsable() && targetIds.containsKey(node)) {
                both.add(t);
            }
            if (both.isEmpty()) {
                loop.execute(then);
                return;
            }
            int[] left = {both.size()};
            Runnable one = () -> {
                if (--left[0] == 0) {
                    loop.execute(then);
                }
            };
            BackendPool pool = pools.apply(h);
            for (BackendConnection conn : both) {
                conn.send(RequestEncoder.encode(io.netty.buffer.ByteBufAllocator.DEFAULT, "PING"), new PendingReply() {
                    @Override
                    public void onReply(ByteBuf reply, boolean error) {
                        reply.release();
                        one.run();
                    }

                    @Override
                    public void onFailure(BackendFailure failure, boolean written) {
                        one.run();
                    }
                });
                pool.markDirty(conn);
            }
            pool.flushBackends();
        });
    }

    /**
     * A tracking client's read of {@code keys} goes out on {@code conn} (a shared data connection
     * to {@code node}, on the client's loop): it is preceded by {@code CLIENT CACHING YES} (and,
     * the first time, by {@code CLIENT TRACKING ON OPTIN}), so the node reports a change of these
     * keys as the write runs, and the keys are remembered as reported by that report alone
     * ({@link TrackingTable.Via}). A RESP3 connection gets the reports itself, among its replies,
     * so each is placed exactly where Redis would write it; a RESP2 one redirects them to the
     * node's target. When the node has no target yet (RESP2), or refused tracking on this
     * connection, the broadcast listener reports them (in its order); a refusal also flushes
     * every cache, since the keys read there until the refusal came back were taken for tracked.
     */
    public void cachingRead(BackendConnection conn, NodeAddress node, long id, List<byte[]> keys) {
        boolean inline = conn.key().protocol() == 3;
        Long target = inline ? Long.valueOf(BackendConnection.TRACKING_INLINE) : targetIds.get(node);
        long asked = conn.trackingRedirect();
        if (target == null || asked < 0) {
            return;
        }
        EventLoop h = host;
        io.netty.buffer.ByteBufAllocator alloc = io.netty.buffer.ByteBufAllocator.DEFAULT;
        if (asked != target) {
            conn.trackingRequested(target, () -> h.execute(() -> {
                if (!clients.isEmpty()) {
                    flushEveryone("a connection that tracked keys at " + node + " closed");
                }
            }), inline ? frame -> {
                try {
                    pushed(node, frame, conn);
                } finally {
                    frame.release();
                }
            } : null);
            ByteBuf on = inline ? RequestEncoder.encode(alloc, "CLIENT", "TRACKING", "ON", "OPTIN")
                    : RequestEncoder.encode(alloc, "CLIENT", "TRACKING", "ON", "REDIRECT", Long.toString(target), "OPTIN");
            conn.send(on, new PendingReply() {
                @Override
                public void onReply(ByteBuf reply, boolean error) {
                    String text = error ? reply.toString(java.nio.charset.StandardCharsets.UTF_8).trim() : null;
                    reply.release();
                    conn.trackingAnswered(target, !error);
                    if (error) {
                        // The keys read there meanwhile were taken for tracked by the node: they
                        // are not, so every cache forgets them (the broadcast tells from now on).
                        log.warn("[{}] {} refused client tracking on a data connection ({}): changes of keys "
                                + "read there are reported by broadcast only", service, node, text);
                        h.execute(() -> flushEveryone("tracking refused on a data connection"));
                    }
                }

                @Override
                public void onFailure(BackendFailure failure, boolean written) {
                    // the connection closed: its trackingLost says it
                }
            });
        }
        conn.send(RequestEncoder.encode(alloc, "CLIENT", "CACHING", "YES"), PendingReply.DISCARD);
        TrackingTable.Via via = new TrackingTable.Via(node, inline ? conn : target, conn::isUsable);
        for (byte[] key : keys) {
            tellDropped(table.remember(id, key, via));
        }
    }

    /** Scripts (by SHA1) the proxy saw, and whether they may call a read-only command ({@link ScriptCalls}). */
    private final Map<String, Boolean> scriptReads = new ConcurrentHashMap<>();
    private static final int MAX_SCRIPTS = 10_000;

    /**
     * Whether a tracking client's script may read, which decides whether its declared keys are
     * remembered (as Redis remembers them only when the script calls a read-only command): from
     * the body of an EVAL (remembered for EVALSHA), from what a SCRIPT LOAD or EVAL of it showed for
     * an EVALSHA; true when the proxy cannot tell (an unseen script, FCALL).
     */
    public boolean scriptMayRead(String command, byte[] bodyOrSha, CommandTable commands) {
        if (command.startsWith("eval") && !command.startsWith("evalsha")) {
            return scriptSeen(bodyOrSha, commands);
        }
        if (command.startsWith("evalsha")) {
            return !Boolean.FALSE.equals(scriptReads.get(new String(bodyOrSha, java.nio.charset.StandardCharsets.UTF_8)
                    .toLowerCase(java.util.Locale.ROOT)));
        }
        return true;
    }

    /** A script body the proxy saw (SCRIPT LOAD, a tracking client's EVAL): whether it may read, remembered. */
    public boolean scriptSeen(byte[] body, CommandTable commands) {
        boolean reads = ScriptCalls.mayRead(new String(body, java.nio.charset.StandardCharsets.UTF_8), commands);
        if (scriptReads.size() < MAX_SCRIPTS) {
            scriptReads.put(ClientPause.sha1(body), reads);
        }
        return reads;
    }

    /** A new bound for the table (a reload, or CONFIG SET tracking-table-max-keys through the proxy). */
    public void maxKeys(int max) {
        tellDropped(table.maxKeys(max));
    }

    private void tellDropped(Map<Long, List<byte[]>> dropped) {
        for (Map.Entry<Long, List<byte[]>> e : dropped.entrySet()) {
            Client c = clients.get(e.getKey());
            if (c != null) {
                List<List<byte[]>> messages = new ArrayList<>();
                for (byte[] k : e.getValue()) {
                    messages.add(List.of(k));
                }
                c.dropped(messages);
            }
        }
    }

    /** Host loop: opens the listeners the topology wants, closes the others. */
    private void reconcile() {
        Set<NodeAddress> want = clients.isEmpty() ? Set.of() : nodes(topology.get());
        for (var it = listeners.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!want.contains(e.getKey())) {
                it.remove();
                confirming.remove(e.getKey());
                lostWhileTracking.remove(e.getKey());
                e.getValue().close();
            }
        }
        for (var it = targets.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!want.contains(e.getKey())) {
                it.remove();
                targetsConfirming.remove(e.getKey());
                targetIds.remove(e.getKey());
                e.getValue().close();
            }
        }
        for (NodeAddress n : want) {
            BackendConnection c = listeners.get(n);
            if (c == null || !c.isUsable()) {
                open(n);
            }
            BackendConnection t = targets.get(n);
            if (t == null || !t.isUsable()) {
                openTarget(n);
            }
        }
        if (allConfirmed()) {
            releaseWaiters();
        }
    }

    private boolean allConfirmed() {
        return confirming.isEmpty() && targetsConfirming.isEmpty();
    }

    private static Set<NodeAddress> nodes(Topology t) {
        Set<NodeAddress> out = new LinkedHashSet<>();
        for (Shard s : t.isCluster() ? t.shards() : List.of(t.primaryShard())) {
            if (s.master() != null) {
                out.add(s.master());
            }
            out.addAll(s.readReplicas());
        }
        return out;
    }

    /**
     * Host loop: a new RESP3 control connection to {@code node}, whose pushes go to
     * {@link #pushed} with the reporter {@code reporter} names ({@link #SKIP}: not passed on) and
     * whose loss to {@link #lost}.
     */
    private BackendConnection listening(NodeAddress node, java.util.function.Function<BackendConnection, Object> reporter) {
        BackendConnection c = pools.apply(host).control(new BackendKey(node, 0, 3));
        c.pipeTo(new BackendConnection.FrameSink() {
            @Override
            public void onFrame(ByteBuf frame) {
                try {
                    Object from = reporter.apply(c);
                    if (from != SKIP) {
                        pushed(node, frame, from);
                    }
                } finally {
                    frame.release();
                }
            }

            @Override
            public void onClosed(BackendFailure why) {
                host.execute(() -> lost(node, c, why));
            }
        });
        return c;
    }

    /** A push from a target that is not (or no longer) the node's confirmed one: ignored. */
    private static final Object SKIP = new Object();

    private void open(NodeAddress node) {
        BackendPool pool = pools.apply(host);
        BackendConnection c = listening(node, conn -> null);
        listeners.put(node, c);
        confirming.add(node);
        c.send(RequestEncoder.encode(io.netty.buffer.ByteBufAllocator.DEFAULT, "CLIENT", "TRACKING", "ON", "BCAST"),
                new PendingReply() {
                    @Override
                    public void onReply(ByteBuf reply, boolean error) {
                        String text = error ? reply.toString(java.nio.charset.StandardCharsets.UTF_8).trim() : null;
                        reply.release();
                        if (error) {
                            log.warn("[{}] {} refused client tracking: {}", service, node, text);
                            c.close();
                            return;
                        }
                        confirmed(node, c);
                    }

                    @Override
                    public void onFailure(BackendFailure failure, boolean written) {
                        // onClosed says it
                    }
                });
        pool.markDirty(c);
        pool.flushBackends();
    }

    /**
     * The redirect target of {@code node}'s data connections: a RESP3 connection that only
     * learns its client id ({@code CLIENT ID}); the data connections name it when they track.
     */
    private void openTarget(NodeAddress node) {
        BackendPool pool = pools.apply(host);
        BackendConnection c = listening(node, conn -> {
            Long id = targetIds.get(node);
            return id != null && targets.get(node) == conn ? id : SKIP;
        });
        targets.put(node, c);
        targetsConfirming.add(node);
        targetIds.remove(node);
        c.send(RequestEncoder.encode(io.netty.buffer.ByteBufAllocator.DEFAULT, "CLIENT", "ID"), new PendingReply() {
            @Override
            public void onReply(ByteBuf reply, boolean error) {
                long id = error || reply.getByte(reply.readerIndex()) != ':' ? -1
                        : RespValues.count(reply, reply.readerIndex());
                reply.release();
                if (id < 0) {
                    log.warn("[{}] {} refused CLIENT ID: changes are reported by broadcast only", service, node);
                    c.close();
                    return;
                }
                if (targets.get(node) == c) {
                    targetIds.put(node, id);
                }
                confirmed(node, c);
            }

            @Override
            public void onFailure(BackendFailure failure, boolean written) {
                // onClosed says it
            }
        });
        pool.markDirty(c);
        pool.flushBackends();
    }

    /** The node listens: whatever its clients cached while it did not may be stale. */
    private void confirmed(NodeAddress node, BackendConnection c) {
        if (listeners.get(node) == c) {
            confirming.remove(node);
        } else if (targets.get(node) == c) {
            targetsConfirming.remove(node);
        } else {
            return;
        }
        if (!confirming.contains(node) && !targetsConfirming.contains(node) && lostWhileTracking.remove(node)) {
            flushEveryone(node + " listens again");
        }
        if (allConfirmed()) {
            releaseWaiters();
        }
    }

    /** Host loop: nodes whose listener was lost while clients tracked: they flush once it is back. */
    private final Set<NodeAddress> lostWhileTracking = new java.util.HashSet<>();

    private void releaseWaiters() {
        for (CompletableFuture<Void> f : waitingForListeners) {
            f.complete(null);
        }
        waitingForListeners.clear();
    }

    /** Host loop: a listener closed. Clients flush; the listener comes back after a second (the node may be down). */
    private void lost(NodeAddress node, BackendConnection c, BackendFailure why) {
        if (listeners.get(node) == c) {
            listeners.remove(node);
            confirming.remove(node);
        } else if (targets.get(node) == c) {
            targets.remove(node);
            targetsConfirming.remove(node);
            targetIds.remove(node);
        } else {
            return; // closed on purpose (node left) or already replaced
        }
        if (!clients.isEmpty()) {
            lostWhileTracking.add(node);
            log.info("[{}] tracking connection to {} lost ({}): tracking clients flush their caches", service, node,
                    why.message(false));
            flushEveryone("lost " + node);
        }
        if (allConfirmed()) {
            releaseWaiters(); // a client that enabled tracking now is served by the flush when it is back
        }
        if (!retryScheduled) {
            retryScheduled = true;
            host.schedule(() -> {
                retryScheduled = false;
                reconcile();
            }, 1, TimeUnit.SECONDS);
        }
    }

    private void flushEveryone(String why) {
        table.clear();
        log.debug("[{}] tracking clients flush: {}", service, why);
        for (Client c : clients.values()) {
            c.flushAll();
        }
    }

    private boolean isMaster(NodeAddress node) {
        for (Shard s : topology.get().shards()) {
            if (node.equals(s.master())) {
                return true;
            }
        }
        return false;
    }

    /**
     * A push from {@code node}: {@code >2 invalidate [keys]} or {@code >2 invalidate _} (a flush).
     * {@code reporter}: null from the broadcast listener (host loop); the id of the node's redirect
     * target (host loop); a RESP3 data connection that tracks itself (its own loop, in its place
     * among that connection's replies, and so handed to the clients of that loop at once).
     */
    private void pushed(NodeAddress node, ByteBuf frame, Object reporter) {
        int at = frame.readerIndex();
        if (frame.getByte(at) != '>' || RespValues.count(frame, at) != 2) {
            return;
        }
        int kind = RespValues.firstElement(frame, at);
        int value = RespValues.skip(frame, kind);
        if (!isBulk(frame, kind, "invalidate")) {
            return;
        }
        byte t = frame.getByte(value);
        // A null in any form (RESP3 _, a null array or bulk) is a flush.
        if (t != '*' || RespValues.count(frame, value) < 0) {
            if (reporter != null) {
                return; // every tracking data connection reports the flush: the listener's one says it
            }
            if (isMaster(node)) {
                flushEveryone("the node flushed");
            } else {
                // Its master's listener reports the same flush to the clients that read from
                // masters; those that read from replicas hear it from the replica (the table
                // keeps their keys: a later report of one is only a spare invalidation).
                for (Client c : clients.values()) {
                    if (!c.readsFromMasters()) {
                        c.flushAll();
                    }
                }
            }
            return;
        }
        long n = RespValues.count(frame, value);
        List<byte[]> keys = new ArrayList<>((int) Math.min(n, 1024));
        int i = RespValues.firstElement(frame, value);
        for (long k = 0; k < n; k++) {
            int lineEnd = frame.indexOf(i, frame.writerIndex(), (byte) '\n');
            int len = (int) RespValues.count(frame, i);
            byte[] key = new byte[len];
            frame.getBytes(lineEnd + 1, key);
            keys.add(key);
            i = RespValues.skip(frame, i);
        }
        boolean inline = reporter instanceof BackendConnection;
        for (Map.Entry<Long, List<List<byte[]>>> e : table.invalidate(keys, node, isMaster(node), reporter)
                .entrySet()) {
            Client c = clients.get(e.getKey());
            if (c != null) {
                c.invalidate(e.getValue(), inline);
            }
        }
    }

    private static boolean isBulk(ByteBuf frame, int at, String value) {
        if (frame.getByte(at) != '$' || RespValues.count(frame, at) != value.length()) {
            return false;
        }
        int start = RespValues.firstElement(frame, at);
        return frame.toString(start, value.length(), java.nio.charset.StandardCharsets.US_ASCII).equals(value);
    }
}
