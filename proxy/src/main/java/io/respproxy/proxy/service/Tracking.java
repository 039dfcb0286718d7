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
 * the proxy keeps one connection per node it serves from (the master, the replicas that serve
 * reads, every node in a cluster) with {@code CLIENT TRACKING ON BCAST}: the node tells it of
 * every key that changes (written, expired, evicted) and of flushes. The {@link TrackingTable}
 * says which of the proxy's clients that concerns; each is told on its own loop. A client is
 * told to flush everything when the proxy's connection to a node is lost and again when it is
 * back (what changed meanwhile is unknown), and when the master changes. The listeners live on
 * one event loop (the first tracking client's) and are touched only there.
 */
public final class Tracking {

    private static final Logger log = LoggerFactory.getLogger(Tracking.class);

    /** A tracking client as the fan-out sees it: called on any thread, it hands over to its own loop. */
    public interface Client {
        /** Invalidation messages for it, each a list of keys. */
        void invalidate(List<List<byte[]>> messages);

        /** Every key may have changed (a flush, a lost node connection, a failover). */
        void flushAll();
    }

    private final String service;
    private final TrackingTable table;
    private final Map<Long, Client> clients = new ConcurrentHashMap<>();
    private final Supplier<Topology> topology;
    private final java.util.function.Function<EventLoop, BackendPool> pools;
    /** Where the listeners live; set by the first client, never changed. */
    private volatile EventLoop host;
    /** Host loop only: the listener per node, and those not yet confirmed by the node. */
    private final Map<NodeAddress, BackendConnection> listeners = new HashMap<>();
    private final Set<NodeAddress> confirming = new LinkedHashSet<>();
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
            if (confirming.isEmpty()) {
                ready.complete(null);
            } else {
                waitingForListeners.add(ready);
            }
        });
        return ready;
    }

    /** Client {@code id} stopped tracking, or left. */
    public void disable(long id) {
        if (clients.remove(id) != null) {
            table.stopBroadcast(id);
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
            BackendConnection c = listeners.get(node);
            if (c == null || !c.isUsable() || confirming.contains(node)) {
                loop.execute(then);
                return;
            }
            c.send(RequestEncoder.encode(io.netty.buffer.ByteBufAllocator.DEFAULT, "PING"), new PendingReply() {
                @Override
                public void onReply(ByteBuf reply, boolean error) {
                    reply.release();
                    loop.execute(then);
                }

                @Override
                public void onFailure(BackendFailure failure, boolean written) {
                    loop.execute(then);
                }
            });
            BackendPool pool = pools.apply(h);
            pool.markDirty(c);
            pool.flushBackends();
        });
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
                c.invalidate(messages);
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
        for (NodeAddress n : want) {
            BackendConnection c = listeners.get(n);
            if (c == null || !c.isUsable()) {
                open(n);
            }
        }
        if (confirming.isEmpty()) {
            releaseWaiters();
        }
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

    private void open(NodeAddress node) {
        BackendPool pool = pools.apply(host);
        BackendConnection c = pool.control(new BackendKey(node, 0, 3));
        listeners.put(node, c);
        confirming.add(node);
        c.pipeTo(new BackendConnection.FrameSink() {
            @Override
            public void onFrame(ByteBuf frame) {
                try {
                    pushed(node, frame);
                } finally {
                    frame.release();
                }
            }

            @Override
            public void onClosed(BackendFailure why) {
                host.execute(() -> lost(node, c, why));
            }
        });
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

    /** The node listens: whatever its clients cached while it did not may be stale. */
    private void confirmed(NodeAddress node, BackendConnection c) {
        if (listeners.get(node) != c) {
            return;
        }
        boolean again = confirming.remove(node) && lostWhileTracking.remove(node);
        if (again) {
            flushEveryone(node + " listens again");
        }
        if (confirming.isEmpty()) {
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
        if (listeners.get(node) != c) {
            return; // closed on purpose (node left) or already replaced
        }
        listeners.remove(node);
        confirming.remove(node);
        if (!clients.isEmpty()) {
            lostWhileTracking.add(node);
            log.info("[{}] tracking connection to {} lost ({}): tracking clients flush their caches", service, node,
                    why.message(false));
            flushEveryone("lost " + node);
        }
        if (confirming.isEmpty()) {
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

    /** A push from {@code node}'s listener: {@code >2 invalidate [keys]} or {@code >2 invalidate _} (a flush). */
    private void pushed(NodeAddress node, ByteBuf frame) {
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
        if (t == '_' || ((t == '*') && RespValues.count(frame, value) < 0)) {
            flushEveryone("the node flushed");
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
        for (Map.Entry<Long, List<List<byte[]>>> e : table.invalidate(keys, node, isMaster(node)).entrySet()) {
            Client c = clients.get(e.getKey());
            if (c != null) {
                c.invalidate(e.getValue());
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
