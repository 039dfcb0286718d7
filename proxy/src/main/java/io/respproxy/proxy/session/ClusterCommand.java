package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.resp.ReplyStrings;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.RespWriter;
import io.respproxy.proxy.service.ClusterEmulation;
import io.respproxy.routing.Shard;
import io.respproxy.routing.Topology;
import io.respproxy.routing.command.CommandSpec;
import io.respproxy.routing.route.RoutingErrors;
import io.respproxy.routing.slot.SlotHash;
import java.util.List;

/**
 * CLUSTER in {@code mode = cluster}: the proxy presents each listener to cluster-aware clients as
 * a one-node cluster that owns every slot ({@link EmulatedNode}), so they send every command to the
 * proxy, which routes it; MOVED and ASK never reach them. The commands that change a cluster
 * (SETSLOT, FAILOVER, MEET, ...) are refused: the node they would address does not exist; they are
 * run against the cluster's own nodes. In other modes CLUSTER goes to the backend, which answers
 * for itself ("This instance has cluster support disabled").
 */
final class ClusterCommand {

    private ClusterCommand() {}

    /** CLUSTER HELP, as Redis writes help: simple strings, the first naming the command. */
    private static final List<String> HELP = List.of(
            "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "COUNTKEYSINSLOT <slot>",
            "    Return the number of keys in <slot>.",
            "GETKEYSINSLOT <slot> <count>",
            "    Return key names stored by current node in a slot.",
            "INFO",
            "    Return information about the cluster.",
            "KEYSLOT <key>",
            "    Return the hash slot for <key>.",
            "LINKS",
            "    Return information about all network links between this node and its peers.",
            "MYID",
            "    Return the node id.",
            "MYSHARDID",
            "    Return the node's shard id.",
            "NODES",
            "    Return cluster configuration seen by node. Output format:",
            "    <id> <ip:port@bus-port[,hostname]> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
            "REPLICAS <node-id>",
            "    Return <node-id> replicas.",
            "SHARDS",
            "    Return information about slot range mappings and the nodes associated with them.",
            "SLOTS",
            "    Return information about slots range mappings. Each range is made of:",
            "    start, end, master and replicas IP addresses, ports and ids",
            "(respproxy presents this listener as a one-node cluster owning every slot; commands that change",
            "the cluster are run against the cluster's nodes.)",
            "HELP",
            "    Print this help.");

    static void execute(ClientSession s, RespRequest req) {
        ClusterEmulation.Listener listener = s.settings().cluster().listener(s.state().listener());
        if (listener == null) {
            LocalCommands.forwardToServer(s, req);
            return;
        }
        if (req.size() < 2) {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.wrongArity("cluster")));
            return;
        }
        CommandSpec spec = s.service().router().lookup(req);
        String sub = LocalCommands.upper(req, 1);
        if (!spec.name().startsWith("cluster|")) {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.unknownSubcommand("cluster", req.asString(1))));
            return;
        }
        if (!spec.acceptsArgCount(req.size())) {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.wrongArity(spec.name())));
            return;
        }
        int protocol = s.state().protocol();
        switch (sub) {
            case "INFO" -> s.writeLocal(reply(s, 512, (out, node) ->
                    node.writeInfo(out, protocol, slotsWithMaster(s.service().topology()))));
            case "NODES" -> s.writeLocal(reply(s, 192, (out, node) -> node.writeNodes(out, protocol)));
            case "SLOTS" -> s.writeLocal(reply(s, 128, (out, node) -> node.writeSlots(out, protocol)));
            case "SHARDS" -> s.writeLocal(reply(s, 256, (out, node) -> node.writeShards(out, protocol)));
            case "MYID" -> s.writeLocal(Reply.bulk(s.alloc(), listener.nodeId()));
            case "MYSHARDID" -> s.writeLocal(Reply.bulk(s.alloc(), listener.shardId()));
            case "KEYSLOT" -> s.writeLocal(Reply.integer(s.alloc(), SlotHash.slot(req, 2)));
            case "LINKS" -> s.writeLocal(Reply.emptyArray(s.alloc()));
            case "REPLICAS", "SLAVES" -> s.writeLocal(isMe(listener, req) ? Reply.emptyArray(s.alloc())
                    : Reply.error(s.alloc(), ReplyStrings.unknownNode(req.asString(2))));
            case "COUNT-FAILURE-REPORTS" -> s.writeLocal(isMe(listener, req) ? Reply.integer(s.alloc(), 0)
                    : Reply.error(s.alloc(), ReplyStrings.unknownNode(req.asString(2))));
            case "COUNTKEYSINSLOT", "GETKEYSINSLOT" -> keysInSlot(s, req, sub);
            case "HELP" -> help(s);
            default -> s.writeLocal(Reply.error(s.alloc(), notAvailable(sub)));
        }
    }

    /** Writes a reply about the node this client sees. */
    private interface NodeReply {
        void write(ByteBuf out, EmulatedNode node);
    }

    private static ByteBuf reply(ClientSession s, int size, NodeReply r) {
        EmulatedNode node = EmulatedNode.of(s.settings().cluster().listener(s.state().listener()),
                s.channel().localAddress());
        ByteBuf out = s.alloc().buffer(size);
        r.write(out, node);
        return out;
    }

    /** Slots whose shard has a master now: the others are down (no owner) or failing over. */
    static int slotsWithMaster(Topology t) {
        int ok = 0;
        for (int slot = 0; slot < Topology.SLOTS; slot++) {
            Shard shard = t.shardForSlot(slot);
            if (shard != null && shard.hasMaster()) {
                ok++;
            }
        }
        return ok;
    }

    private static boolean isMe(ClusterEmulation.Listener listener, RespRequest req) {
        return req.asString(2).equals(listener.nodeId());
    }

    /** A cluster-changing subcommand: the one node clients see is the proxy, which owns nothing to change. */
    static String notAvailable(String sub) {
        return "ERR CLUSTER " + sub + " is not available through respproxy, which presents the cluster as one node:"
                + " run it against the cluster's nodes";
    }

    /**
     * COUNTKEYSINSLOT / GETKEYSINSLOT: arguments checked as Redis checks them, then the command goes
     * to the master that owns the slot, whose keys they are.
     */
    private static void keysInSlot(ClientSession s, RespRequest req, String sub) {
        long slot = req.parseLong(2, Long.MIN_VALUE);
        long count = sub.equals("GETKEYSINSLOT") ? req.parseLong(3, Long.MIN_VALUE) : 0;
        if (slot == Long.MIN_VALUE || count == Long.MIN_VALUE) {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.NOT_INTEGER));
            return;
        }
        if (slot < 0 || slot >= Topology.SLOTS || count < 0) {
            s.writeLocal(Reply.error(s.alloc(), sub.equals("GETKEYSINSLOT") ? ReplyStrings.INVALID_SLOT_OR_KEYS
                    : ReplyStrings.INVALID_SLOT));
            return;
        }
        Shard shard = s.service().topology().shardForSlot((int) slot);
        if (shard == null) {
            s.writeLocal(Reply.error(s.alloc(), RoutingErrors.CLUSTERDOWN_UNSERVED));
        } else if (!shard.hasMaster()) {
            s.writeLocal(Reply.error(s.alloc(), Reply.noMaster(shard.noMasterReason())));
        } else {
            s.dispatcher().forward(shard.master(), req.retain(), (ReplySlot.ReplyHook) null);
        }
    }

    private static void help(ClientSession s) {
        ByteBuf out = s.alloc().buffer(2048);
        RespWriter.arrayHeader(out, HELP.size());
        for (String line : HELP) {
            RespWriter.simpleString(out, line);
        }
        s.writeLocal(out);
    }
}
