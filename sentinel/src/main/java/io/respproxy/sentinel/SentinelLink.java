package io.respproxy.sentinel;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.ListOfMapsOutput;
import io.lettuce.core.output.MapOutput;
import io.lettuce.core.output.ValueListOutput;
import io.lettuce.core.output.ValueOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.lettuce.core.sentinel.api.async.RedisSentinelAsyncCommands;
import io.respproxy.health.ControlPlaneClients;
import io.respproxy.routing.AddressMap;
import io.respproxy.routing.NodeAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The proxy's two connections to one Sentinel, through Lettuce: one for queries, one subscribed
 * to every event channel ({@code PSUBSCRIBE *}). Lettuce is configured explicitly: no automatic
 * reconnect (the source re-dials on its own schedule and re-queries after, so no event is
 * missed unseen), commands rejected rather than buffered while disconnected, a bounded request
 * queue, and a timeout on every command. Not thread-safe: used from the source's thread; events
 * arrive on Lettuce's threads.
 */
final class SentinelLink implements AutoCloseable {

    private static final StringCodec CODEC = StringCodec.UTF8;

    private final NodeAddress address;
    private final SentinelSettings settings;
    private final AddressMap nat;
    private final RedisClient client;
    private final Consumer<SentinelEvent> events;
    /** The source's thread: the connection fields are only changed there. */
    private final Executor owner;
    private CompletableFuture<StatefulRedisSentinelConnection<String, String>> queries;
    private CompletableFuture<StatefulRedisPubSubConnection<String, String>> subscription;
    private volatile String lastFailure;

    /**
     * @param address where the proxy reaches this Sentinel (already mapped)
     * @param owner   the source's thread, where this link's state changes
     * @param events  told of every event (on a Lettuce thread)
     */
    SentinelLink(NodeAddress address, SentinelSettings settings, AddressMap nat, ClientResources resources,
                 Executor owner, Consumer<SentinelEvent> events) {
        this.address = address;
        this.owner = owner;
        this.settings = settings;
        this.nat = nat;
        this.events = events;
        this.client = RedisClient.create(resources);
        this.client.setOptions(ControlPlaneClients.options(settings.timeout(), 64, null));
    }

    NodeAddress address() {
        return address;
    }

    /** Why the last query or dial failed, or null. */
    String lastFailure() {
        return lastFailure;
    }

    /** Both connections are open. */
    boolean connected() {
        return isOpen(queries) && isOpen(subscription);
    }

    private static boolean isOpen(CompletableFuture<? extends io.lettuce.core.api.StatefulConnection<?, ?>> c) {
        return c != null && c.isDone() && !c.isCompletedExceptionally() && c.join().isOpen();
    }

    /**
     * Dials what is not open (the subscription first, so no event after the answer is missed).
     * Completes when both are up; fails with the reason otherwise.
     */
    CompletableFuture<Void> connect() {
        if (subscription == null || (subscription.isDone() && !isOpen(subscription))) {
            drop(subscription);
            subscription = client.connectPubSubAsync(CODEC, uri()).toCompletableFuture()
                    .thenCompose(c -> {
                        c.addListener(new RedisPubSubAdapter<>() {
                            @Override
                            public void message(String pattern, String channel, String message) {
                                events.accept(SentinelEvent.parse(channel, message));
                            }
                        });
                        return c.async().psubscribe("*").toCompletableFuture().handle((ok, e) -> {
                            if (e != null) {
                                // NOPERM (an ACL user without &* channels) or no answer: this
                                // connection is of no use, and must not stay open.
                                c.closeAsync();
                                throw new java.util.concurrent.CompletionException("PSUBSCRIBE * refused: "
                                        + describe(e), e);
                            }
                            return c;
                        });
                    });
        }
        if (queries == null || (queries.isDone() && !isOpen(queries))) {
            drop(queries);
            queries = client.connectSentinelAsync(CODEC, uri()).toCompletableFuture();
        }
        return CompletableFuture.allOf(subscription, queries).whenComplete((ok, e) -> {
            if (e != null) {
                lastFailure = describe(e);
            }
        });
    }

    /**
     * Asks for the master's address and state, its replicas and the other Sentinels, pipelined.
     * Never throws; completes exceptionally within about the timeout when the Sentinel does not answer.
     */
    CompletableFuture<SentinelReport> query() {
        String name = settings.masterName();
        CompletableFuture<Void> up = connect();
        CompletableFuture<StatefulRedisSentinelConnection<String, String>> conn = queries;
        return up.thenCompose(ignored -> {
            RedisSentinelAsyncCommands<String, String> c = conn.join().async();
            var addr = c.dispatch(CommandType.SENTINEL, new ValueListOutput<>(CODEC),
                    new CommandArgs<>(CODEC).add("GET-MASTER-ADDR-BY-NAME").add(name)).toCompletableFuture();
            var master = c.dispatch(CommandType.SENTINEL, new MapOutput<>(CODEC),
                    new CommandArgs<>(CODEC).add("MASTER").add(name)).toCompletableFuture();
            var replicas = c.dispatch(CommandType.SENTINEL, new ListOfMapsOutput<>(CODEC),
                    new CommandArgs<>(CODEC).add("REPLICAS").add(name)).toCompletableFuture();
            var sentinels = c.dispatch(CommandType.SENTINEL, new ListOfMapsOutput<>(CODEC),
                    new CommandArgs<>(CODEC).add("SENTINELS").add(name)).toCompletableFuture();
            // Sentinel 6.2+; an older one refuses it, and its reports are not deduplicated.
            var myId = c.dispatch(CommandType.SENTINEL, new ValueOutput<>(CODEC),
                    new CommandArgs<>(CODEC).add("MYID")).toCompletableFuture().exceptionally(e -> null);
            return addr.thenCompose(a -> {
                if (a == null || a.size() < 2) {
                    // Not monitored here: the other answers are errors; do not wait for them.
                    return CompletableFuture.completedFuture(
                            new SentinelReport(address, null, 0, null, java.util.Set.of(), List.of(), List.of()));
                }
                NodeAddress m = nat.reachable(a.get(0), Integer.parseInt(a.get(1)));
                return master.thenCombine(replicas, (mi, rs) -> new Object[] {mi, rs})
                        .thenCombine(sentinels, (mr, ss) -> report(m, cast(mr[0]), castList(mr[1]), ss))
                        .thenCombine(myId, SentinelReport::withId);
            }).orTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        }).whenCompleteAsync((r, e) -> {
            if (e != null) {
                lastFailure = describe(e);
                dropAll();
            } else {
                lastFailure = null;
            }
        }, owner);
    }

    /** {@code SENTINEL FAILOVER master-name} on this Sentinel. */
    CompletableFuture<String> failover() {
        CompletableFuture<Void> up = connect();
        CompletableFuture<StatefulRedisSentinelConnection<String, String>> conn = queries;
        return up.thenCompose(ignored -> conn.join().async().failover(settings.masterName()).toCompletableFuture());
    }

    private SentinelReport report(NodeAddress master, Map<String, String> info, List<Map<String, String>> replicas,
                                  List<Map<String, String>> sentinels) {
        List<SentinelReport.Replica> rs = new ArrayList<>();
        for (Map<String, String> r : replicas) {
            NodeAddress a = addressOf(r);
            if (a != null) {
                rs.add(new SentinelReport.Replica(a, SentinelReport.flags(r.get("flags"))));
            }
        }
        List<NodeAddress> ss = new ArrayList<>();
        for (Map<String, String> s : sentinels) {
            NodeAddress a = addressOf(s);
            if (a != null) {
                ss.add(a);
            }
        }
        long epoch = 0;
        try {
            epoch = Long.parseLong(info.getOrDefault("config-epoch", "0"));
        } catch (NumberFormatException e) {
            // keep 0: an answer without an epoch ranks lowest
        }
        return new SentinelReport(address, master, epoch, addressOf(info), SentinelReport.flags(info.get("flags")),
                rs, ss);
    }

    private NodeAddress addressOf(Map<String, String> entry) {
        try {
            return nat.reachable(entry.get("ip"), Integer.parseInt(entry.get("port")));
        } catch (RuntimeException e) {
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> cast(Object o) {
        return (Map<String, String>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, String>> castList(Object o) {
        return (List<Map<String, String>>) o;
    }

    private RedisURI uri() {
        return ControlPlaneClients.uri(address, settings.timeout(), settings.user(), settings.password());
    }

    private void dropAll() {
        drop(queries);
        drop(subscription);
        queries = null;
        subscription = null;
    }

    private static void drop(CompletableFuture<? extends io.lettuce.core.api.StatefulConnection<?, ?>> c) {
        if (c != null) {
            c.thenAccept(io.lettuce.core.api.StatefulConnection::closeAsync);
        }
    }

    static String describe(Throwable e) {
        return io.respproxy.health.NodeProber.describe(e);
    }

    @Override
    public void close() {
        // The client closes its connections; closing them here too only makes Lettuce warn.
        queries = null;
        subscription = null;
        client.shutdownAsync(0, 1, TimeUnit.SECONDS);
    }
}
