package io.respproxy.cluster;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import io.respproxy.health.ControlPlaneClients;
import io.respproxy.routing.AddressMap;
import io.respproxy.routing.NodeAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The proxy's query connection to one cluster node, through Lettuce: {@code CLUSTER INFO} (for the
 * epoch) and {@code CLUSTER SHARDS} pipelined, or {@code CLUSTER SLOTS} on a node that does not
 * know SHARDS (Redis 6.2). Lettuce is set explicitly: RESP2 (the parser reads flat lists), no
 * automatic reconnect (a failed query drops the connection and the next one dials again),
 * commands rejected while disconnected, a bounded queue and the configured timeout on every
 * command. Used from the source's thread only.
 */
final class ClusterNodeLink implements AutoCloseable {

    private final NodeAddress address;
    private final ClusterSettings settings;
    private final AddressMap nat;
    private final RedisClient client;
    private CompletableFuture<StatefulRedisConnection<String, String>> connection;
    /** The node answered SHARDS with an unknown-subcommand error: it is older than Redis 7. */
    private volatile boolean slotsOnly;
    private String lastFailure;

    ClusterNodeLink(NodeAddress address, ClusterSettings settings, AddressMap nat, ClientResources resources) {
        this.address = address;
        this.settings = settings;
        this.nat = nat;
        this.client = RedisClient.create(resources);
        this.client.setOptions(ControlPlaneClients.options(settings.timeout(), 16, ProtocolVersion.RESP2));
    }

    NodeAddress address() {
        return address;
    }

    /** Why the last query failed, or null after a success. */
    String lastFailure() {
        return lastFailure;
    }

    /**
     * This node's view of the slot map; fails with the reason when it does not answer. The
     * caller reports the outcome on the source's thread ({@link #answered}, {@link #failed}).
     */
    CompletableFuture<ClusterView> query() {
        if (connection == null || (connection.isDone()
                && (connection.isCompletedExceptionally() || !connection.join().isOpen()))) {
            drop();
            connection = client.connectAsync(StringCodec.UTF8, uri()).toCompletableFuture();
        }
        boolean slots = slotsOnly;
        return connection.thenCompose(c -> {
            var async = c.async();
            CompletableFuture<String> info = async.clusterInfo().toCompletableFuture();
            CompletableFuture<List<Object>> map = (slots ? async.clusterSlots() : async.clusterShards())
                    .toCompletableFuture();
            CompletableFuture<ClusterView> view = info.thenCombine(map,
                    (i, reply) -> slots ? ClusterView.fromSlots(reply, epoch(i), address, nat)
                            : ClusterView.fromShards(reply, epoch(i), address, nat));
            if (slots) {
                return view;
            }
            return view.exceptionallyCompose(e -> {
                if (!unknownSubcommand(e)) {
                    return CompletableFuture.failedFuture(e);
                }
                // Redis 6.2: no CLUSTER SHARDS. Asked with CLUSTER SLOTS from now on.
                slotsOnly = true;
                return info.thenCombine(async.clusterSlots().toCompletableFuture(),
                        (i, reply) -> ClusterView.fromSlots(reply, epoch(i), address, nat));
            });
        });
    }

    /** The last query answered (source thread). */
    void answered() {
        lastFailure = null;
    }

    /** The last query failed: the connection is dropped and dialled again next time (source thread). */
    void failed(Throwable e) {
        lastFailure = describe(e);
        drop();
    }

    private static boolean unknownSubcommand(Throwable e) {
        String m = String.valueOf(root(e).getMessage()).toLowerCase(java.util.Locale.ROOT);
        return m.contains("unknown subcommand") || m.contains("unknown command");
    }

    /** {@code cluster_current_epoch} from CLUSTER INFO, or 0. */
    static long epoch(String info) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("cluster_current_epoch:")) {
                try {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 0;
    }

    static String describe(Throwable e) {
        Throwable r = root(e);
        String m = r.getMessage();
        return m == null ? r.getClass().getSimpleName() : m;
    }

    private static Throwable root(Throwable e) {
        Throwable r = e;
        while ((r instanceof CompletionException || r instanceof java.util.concurrent.ExecutionException)
                && r.getCause() != null) {
            r = r.getCause();
        }
        return r;
    }

    private RedisURI uri() {
        return ControlPlaneClients.uri(address, settings.timeout(), settings.user(), settings.password());
    }

    private void drop() {
        if (connection != null) {
            CompletableFuture<StatefulRedisConnection<String, String>> c = connection;
            connection = null;
            c.thenAccept(StatefulRedisConnection::closeAsync);
        }
    }

    @Override
    public void close() {
        connection = null; // closed with the client: closing it here too makes Lettuce warn
        client.shutdownAsync();
    }
}
