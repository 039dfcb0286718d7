package io.respproxy.proxy.session;

import io.respproxy.routing.route.ListenerRole;
import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.resp.SharedReplies;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.RespWriter;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.command.CommandSpec;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * Commands the proxy answers itself because they concern the client's connection to the proxy,
 * not the data: AUTH, HELLO, PING, ECHO, QUIT, RESET, SELECT, CLIENT, INFO, ROLE, ...
 * Each takes ownership of the request and releases it.
 */
final class LocalCommands {

    private LocalCommands() {}

    /** One local command's implementation; it must not release the request (execute does). */
    private interface Handler {
        void run(ClientSession s, RespRequest req);
    }

    /**
     * Every command the router answers locally (shapes LOCAL, UNWATCH, UNSUBSCRIBE), by container
     * name as the table spells it. A test checks the table has no local command missing here.
     */
    private static final Map<String, Handler> HANDLERS = Map.ofEntries(
            Map.entry("auth", Auth::auth),
            Map.entry("hello", Auth::hello),
            Map.entry("ping", LocalCommands::ping),
            Map.entry("echo", LocalCommands::echo),
            Map.entry("quit", (s, req) -> {
                s.writeLocal(SharedReplies.ok());
                s.closeAfterReplies();
            }),
            Map.entry("reset", (s, req) -> reset(s)),
            Map.entry("select", LocalCommands::select),
            Map.entry("client", ClientCommand::execute),
            Map.entry("info", InfoCommand::execute),
            Map.entry("slowlog", SlowLogCommand::execute),
            Map.entry("latency", LatencyHistogramCommand::execute), // HISTOGRAM only: the rest goes to the nodes
            Map.entry("role", (s, req) -> role(s)),
            Map.entry("command", LocalCommands::forwardToServer),
            Map.entry("cluster", ClusterCommand::execute),
            Map.entry("asking", LocalCommands::asking),
            Map.entry("readonly", (s, req) -> s.writeLocal(SharedReplies.ok())),
            Map.entry("readwrite", (s, req) -> s.writeLocal(SharedReplies.ok())),
            Map.entry("unwatch", (s, req) -> s.writeLocal(SharedReplies.ok())),
            Map.entry("unsubscribe", LocalCommands::unsubscribeWithoutSubscriptions),
            Map.entry("punsubscribe", LocalCommands::unsubscribeWithoutSubscriptions),
            Map.entry("sunsubscribe", LocalCommands::unsubscribeWithoutSubscriptions));

    static void execute(ClientSession s, RespRequest req, CommandSpec spec) {
        try {
            Handler h = HANDLERS.get(container(spec));
            if (h != null) {
                h.run(s, req);
            } else {
                s.writeLocal(Reply.error(s.alloc(), Reply.unknownCommand(req)));
            }
        } finally {
            req.release();
        }
    }

    /** Whether the proxy implements {@code spec} (for the table-wide test). */
    static boolean handles(CommandSpec spec) {
        return HANDLERS.containsKey(container(spec));
    }

    /**
     * PING goes to the node the client's commands go to, so the client learns what Redis would
     * tell it there: -BUSY while a script runs past the node's busy-reply-threshold, -LOADING while
     * it loads its data. With no node to ask (a failover under way, its commands held), the proxy
     * answers for itself: it is up and will run them.
     */
    private static void ping(ClientSession s, RespRequest req) {
        if (req.size() > 2) {
            s.writeLocal(Reply.error(s.alloc(), io.respproxy.proxy.resp.ReplyStrings.wrongArity("ping")));
            return;
        }
        NodeAddress node = serverNode(s.shard());
        if (node != null) {
            s.dispatcher().forward(node, req.retain(), (ReplySlot.ReplyHook) null);
        } else if (req.size() == 2) {
            s.writeLocal(Reply.bulk(s.alloc(), req.argBytes(1)));
        } else {
            s.writeLocal(SharedReplies.pong());
        }
    }

    /** The node that answers for the server: the master, or a replica when no master is known; or null. */
    static NodeAddress serverNode(Shard shard) {
        return shard.master() != null ? shard.master()
                : shard.readReplicas().isEmpty() ? null : shard.readReplicas().get(0);
    }

    private static void echo(ClientSession s, RespRequest req) {
        if (req.size() != 2) {
            s.writeLocal(Reply.error(s.alloc(), io.respproxy.proxy.resp.ReplyStrings.wrongArity("echo")));
        } else {
            s.writeLocal(Reply.bulk(s.alloc(), req.argBytes(1)));
        }
    }

    /** RESET: leaves MULTI/subscriptions (done by the pinned session) and restores a fresh connection. */
    private static void reset(ClientSession s) {
        s.reset();
        s.writeLocal(Reply.simple(s.alloc(), "RESET"));
    }

    /** ASKING: in cluster mode the proxy follows ASK itself; the client's ASKING has nothing left to do. */
    private static void asking(ClientSession s, RespRequest req) {
        if (s.settings().cluster().enabled()) {
            s.writeLocal(SharedReplies.ok());
        } else {
            forwardToServer(s, req);
        }
    }

    private static void select(ClientSession s, RespRequest req) {
        if (req.size() != 2) {
            s.writeLocal(Reply.error(s.alloc(), io.respproxy.proxy.resp.ReplyStrings.wrongArity("select")));
            return;
        }
        long db = req.parseLong(1, Long.MIN_VALUE);
        if (db == Long.MIN_VALUE) {
            s.writeLocal(Reply.error(s.alloc(), io.respproxy.proxy.resp.ReplyStrings.NOT_INTEGER));
        } else if (db != 0 && s.settings().cluster().enabled()) {
            // A cluster node has db 0 only: Redis Cluster's own refusal.
            s.writeLocal(Reply.error(s.alloc(), io.respproxy.proxy.resp.ReplyStrings.SELECT_IN_CLUSTER_MODE));
        } else if (db < 0 || db >= s.settings().databases()) {
            s.writeLocal(Reply.error(s.alloc(), io.respproxy.proxy.resp.ReplyStrings.DB_INDEX_OUT_OF_RANGE));
        } else {
            s.state().db((int) db);
            s.writeLocal(SharedReplies.ok());
        }
    }

    /** ROLE: a port that can write answers as a master; the read port as a replica of the master. */
    private static void role(ClientSession s) {
        ByteBuf out = s.alloc().buffer(64);
        var master = s.shard().master();
        if (s.state().role() == ListenerRole.READ && master != null) {
            RespWriter.arrayHeader(out, 5);
            RespWriter.bulk(out, "slave");
            RespWriter.bulk(out, master.host());
            RespWriter.integer(out, master.port());
            RespWriter.bulk(out, "connected");
            RespWriter.integer(out, -1);
        } else {
            RespWriter.arrayHeader(out, 3);
            RespWriter.bulk(out, "master");
            RespWriter.integer(out, 0);
            RespWriter.arrayHeader(out, 0);
        }
        s.writeLocal(out);
    }

    /**
     * Commands about the server itself (COMMAND; CLUSTER, which a non-cluster backend refuses in
     * its own words): the master's answer is the truth about the backend, a replica's when no
     * master is known (they run the same build).
     */
    static void forwardToServer(ClientSession s, RespRequest req) {
        Shard shard = s.shard();
        NodeAddress node = serverNode(shard);
        if (node == null) {
            s.writeLocal(Reply.error(s.alloc(), Reply.noMaster(shard.noMasterReason())));
            return;
        }
        s.dispatcher().forward(node, req.retain(), (ReplySlot.ReplyHook) null);
    }

    /** UNSUBSCRIBE outside subscribed mode: Redis answers one reply per channel with a count of 0. */
    private static void unsubscribeWithoutSubscriptions(ClientSession s, RespRequest req) {
        String kind = req.asString(0).toLowerCase(Locale.ROOT);
        int channels = Math.max(1, req.size() - 1);
        ByteBuf out = s.alloc().buffer(64 * channels);
        for (int i = 0; i < channels; i++) {
            if (s.state().protocol() == 3) {
                RespWriter.pushHeader(out, 3, 3);
            } else {
                RespWriter.arrayHeader(out, 3);
            }
            RespWriter.bulk(out, kind);
            if (req.size() > 1) {
                RespWriter.bulk(out, req.argBytes(i + 1));
            } else {
                RespWriter.nullBulk(out, s.state().protocol());
            }
            RespWriter.integer(out, 0);
        }
        s.writeLocal(out);
    }

    /** {@code client} for client|list: local commands are implemented per container. */
    static String container(CommandSpec spec) {
        String name = spec.name();
        int bar = name.indexOf('|');
        return bar < 0 ? name : name.substring(0, bar);
    }

    static String upper(RespRequest req, int i) {
        return new String(req.argBytes(i), StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
    }
}
