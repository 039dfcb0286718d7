package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.ProxyVersion;
import io.respproxy.routing.route.ListenerRole;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.RespWriter;
import io.respproxy.proxy.service.ServiceRuntime;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * INFO as a client of the proxy should see it: the master's reply for the sections about the data
 * (Server with {@code redis_version}, Memory, Persistence with {@code loading}, Keyspace, ...), with
 * the sections about connections answered by the proxy itself: Clients and Stats count the proxy's
 * clients and commands, Replication summarises the backend topology, Server gains
 * {@code respproxy_version}, and a {@code # Proxy} section is added. Spring Boot's health check,
 * ioredis' ready check ({@code loading:0}) and {@code redis-cli info} read these fields.
 * Without a master the proxy answers alone.
 */
final class InfoCommand {

    private InfoCommand() {}

    static void execute(ClientSession s, RespRequest req) {
        String section = req.size() > 1 ? req.asString(1).toLowerCase(Locale.ROOT) : "default";
        NodeAddress master = s.shard().master();
        if (master == null && s.service().topology().isCluster()) {
            // One shard failing over: the others' masters still answer for the data.
            master = s.service().topology().shards().stream().map(Shard::master).filter(m -> m != null)
                    .findFirst().orElse(null);
        }
        if (master == null || section.equals("proxy") || section.equals("respproxy")) {
            s.writeLocal(Reply.bulk(s.alloc(), proxyOnly(s, section)));
            return;
        }
        boolean withProxySection = section.equals("default") || section.equals("all") || section.equals("everything");
        ReplySlot.ReplyHook hook = (session, reply) -> rewrite(session, reply, withProxySection);
        List<NodeAddress> masters = new ArrayList<>();
        for (Shard shard : s.service().topology().shards()) {
            if (shard.master() != null) {
                masters.add(shard.master());
            }
        }
        if (s.service().topology().isCluster() && masters.size() > 1) {
            // Each master holds its slots' keys: the client sees one keyspace, summed.
            s.dispatcher().fanOut(masters, req.retain(), InfoCommand::sumKeyspaces, hook);
        } else {
            s.dispatcher().forward(master, req.retain(), hook);
        }
    }

    /** The first master's INFO with the Keyspace section summed over every master's. */
    private static ByteBuf sumKeyspaces(ByteBuf[] replies, io.netty.buffer.ByteBufAllocator alloc) {
        List<String> texts = new ArrayList<>(replies.length);
        for (ByteBuf r : replies) {
            texts.add(bulkText(r));
        }
        String merged = sumKeyspaces(texts);
        ByteBuf out = alloc.buffer(merged.length() + 16);
        if (replies[0].getByte(replies[0].readerIndex()) == '=') {
            RespWriter.verbatim(out, 3, "txt", merged);
        } else {
            RespWriter.bulk(out, merged);
        }
        return out;
    }

    /**
     * {@code infos[0]} with its {@code # Keyspace} lines replaced by the sum over all of them:
     * {@code dbN:keys=K,expires=E,avg_ttl=T} with keys and expires summed per db and avg_ttl the
     * keys-weighted mean.
     */
    static String sumKeyspaces(List<String> infos) {
        java.util.TreeMap<Integer, long[]> dbs = new java.util.TreeMap<>();
        for (String info : infos) {
            boolean inKeyspace = false;
            for (String line : info.split("\r\n")) {
                if (line.startsWith("#")) {
                    inKeyspace = line.trim().equalsIgnoreCase("# Keyspace");
                } else if (inKeyspace && line.startsWith("db") && line.indexOf(':') > 2) {
                    int db = Integer.parseInt(line.substring(2, line.indexOf(':')));
                    long[] sum = dbs.computeIfAbsent(db, k -> new long[3]);
                    long keys = field(line, "keys");
                    sum[0] += keys;
                    sum[1] += field(line, "expires");
                    sum[2] += field(line, "avg_ttl") * keys;
                }
            }
        }
        StringBuilder out = new StringBuilder(infos.get(0).length() + 64);
        boolean inKeyspace = false;
        for (String line : infos.get(0).split("\r\n", -1)) {
            if (line.startsWith("#")) {
                inKeyspace = line.trim().equalsIgnoreCase("# Keyspace");
                out.append(line).append("\r\n");
                if (inKeyspace) {
                    dbs.forEach((db, sum) -> out.append("db").append(db).append(":keys=").append(sum[0])
                            .append(",expires=").append(sum[1]).append(",avg_ttl=")
                            .append(sum[0] == 0 ? 0 : sum[2] / sum[0]).append("\r\n"));
                }
            } else if (!(inKeyspace && line.startsWith("db"))) {
                out.append(line).append("\r\n");
            }
        }
        out.setLength(out.length() - 2); // the split's last piece had no CRLF after it
        return out.toString();
    }

    private static long field(String line, String name) {
        int at = line.indexOf(name + "=");
        if (at < 0) {
            return 0;
        }
        int end = line.indexOf(',', at);
        try {
            return Long.parseLong(line.substring(at + name.length() + 1, end < 0 ? line.length() : end));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The text of a bulk or verbatim reply (an error's text otherwise). */
    private static String bulkText(ByteBuf reply) {
        byte type = reply.getByte(reply.readerIndex());
        int headerEnd = reply.indexOf(reply.readerIndex(), reply.writerIndex(), (byte) '\n') + 1;
        if (type != '$' && type != '=') {
            return "";
        }
        String text = reply.toString(headerEnd, reply.writerIndex() - headerEnd - 2, StandardCharsets.UTF_8);
        return type == '=' ? text.substring(4) : text;
    }

    private static String proxyOnly(ClientSession s, String section) {
        if (section.equals("proxy") || section.equals("respproxy")) {
            return proxySection(s);
        }
        return "# Server\r\nredis_version:" + s.service().redisVersion() + "\r\nredis_mode:standalone\r\nrespproxy_version:"
                + ProxyVersion.get() + "\r\n\r\n" + clientsSection(s) + "\r\n" + statsSection(s) + "\r\n"
                + replicationSection(s) + "\r\n" + proxySection(s);
    }

    /** The master's INFO text with the proxy's sections in place of its own. */
    static String rewrite(ClientSession s, String masterInfo, boolean withProxySection) {
        StringBuilder out = new StringBuilder(masterInfo.length() + 512);
        for (String block : masterInfo.split("\r\n\r\n")) {
            String trimmed = block.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            String header = trimmed.lines().findFirst().orElse("").toLowerCase(Locale.ROOT);
            String replaced = switch (header) {
                case "# clients" -> clientsSection(s, blockedOnNode(trimmed));
                case "# stats" -> mergeFields(trimmed, statsFields(s, infoField(trimmed, "total_error_replies")));
                case "# replication" -> replicationSection(s) + nodeReplicationFields(trimmed);
                case "# server" -> trimmed + "\r\nrespproxy_version:" + ProxyVersion.get() + "\r\n";
                default -> trimmed + "\r\n";
            };
            if (out.length() > 0) {
                out.append("\r\n");
            }
            out.append(replaced);
        }
        if (withProxySection) {
            out.append("\r\n").append(proxySection(s));
        }
        return out.toString();
    }

    /**
     * The node's own blocked_clients, or -1. The proxy counts a client blocked once it sent its
     * BLPOP; the node only once it ran it. A client that waits for "blocked" before acting (as
     * Redis's own tests do: then it pushes, unblocks, or changes the key) must see the node's
     * view, or its next command can reach the node before the blocking one.
     */
    private static int blockedOnNode(String clientsBlock) {
        return (int) infoField(clientsBlock, "blocked_clients");
    }

    /** A numeric {@code name:value} line of an INFO block, or -1. */
    private static long infoField(String block, String name) {
        for (String line : block.split("\r\n")) {
            if (line.startsWith(name + ":")) {
                try {
                    return Long.parseLong(line.substring(name.length() + 1).trim());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    private static String clientsSection(ClientSession s) {
        return clientsSection(s, -1);
    }

    /** @param blockedOnNode the master's count (-1: unknown): the proxy reports its own, at most that. */
    private static String clientsSection(ClientSession s, int blockedOnNode) {
        ServiceRuntime.ServiceStats st = s.service().stats();
        int blocked = st.blockedClients.get();
        if (blockedOnNode >= 0 && !s.service().topology().isCluster()) {
            blocked = Math.min(blocked, blockedOnNode);
        }
        blocked += s.service().pause().waiting(); // paused clients are blocked, as in Redis
        int pubsub = st.pubsubClients.get();
        return "# Clients\r\nconnected_clients:" + st.connectedClients.get()
                + "\r\nmaxclients:" + s.settings().maxClients()
                + "\r\nblocked_clients:" + blocked
                + "\r\npubsub_clients:" + pubsub
                + "\r\ntracking_clients:" + s.service().tracking().clients() + "\r\n";
    }

    private static String statsSection(ClientSession s) {
        StringBuilder sb = new StringBuilder("# Stats\r\n");
        statsFields(s, -1).forEach((k, v) -> sb.append(k).append(':').append(v).append("\r\n"));
        return sb.toString();
    }

    /**
     * The node's INFO {@code block} (header first) with {@code ours} in place of its own values
     * of those fields, and those of ours it lacks at the end: the node's other fields (its
     * keyspace hits, expired keys, MIGRATE's cached sockets...) stay, as Redis would show them.
     */
    static String mergeFields(String block, java.util.Map<String, String> ours) {
        StringBuilder out = new StringBuilder(block.length() + 256);
        java.util.Set<String> done = new java.util.HashSet<>();
        for (String line : block.split("\r\n")) {
            int colon = line.indexOf(':');
            String name = line.startsWith("#") || colon < 0 ? null : line.substring(0, colon);
            if (name != null && ours.containsKey(name)) {
                out.append(name).append(':').append(ours.get(name));
                done.add(name);
            } else {
                out.append(line);
            }
            out.append("\r\n");
        }
        ours.forEach((k, v) -> {
            if (!done.contains(k)) {
                out.append(k).append(':').append(v).append("\r\n");
            }
        });
        return out.toString();
    }

    /** What the proxy says itself in Replication: the node's own fields that describe its replicas and its master go. */
    private static final java.util.regex.Pattern PROXY_REPLICATION_FIELD = java.util.regex.Pattern.compile(
            "(role|connected_slaves|slave\\d+|master_host|master_port|master_link_status|master_last_io_seconds_ago"
                    + "|master_sync_in_progress|slave_read_repl_offset|slave_repl_offset|slave_priority|slave_read_only"
                    + "|replica_announced|master_link_down_since_seconds):.*");

    /**
     * The node's Replication fields that are about its replication stream (master_replid,
     * master_repl_offset, the backlog...), which the proxy's view of the topology keeps.
     */
    static String nodeReplicationFields(String block) {
        StringBuilder out = new StringBuilder();
        for (String line : block.split("\r\n")) {
            if (!line.startsWith("#") && line.indexOf(':') > 0 && !PROXY_REPLICATION_FIELD.matcher(line).matches()) {
                out.append(line).append("\r\n");
            }
        }
        return out.toString();
    }

    /**
     * The proxy's Stats since CONFIG RESETSTAT. {@code total_error_replies} is the node's own
     * count ({@code nodeErrors}, -1: unknown) plus the errors the proxy worded itself: the node
     * counts what its scripts' redis.call met even when the script caught it, which the proxy
     * cannot see.
     */
    private static java.util.Map<String, String> statsFields(ClientSession s, long nodeErrors) {
        ServiceRuntime.ServiceStats st = s.service().stats();
        long[] since = st.sinceReset();
        java.util.Map<String, String> f = new java.util.LinkedHashMap<>();
        f.put("total_connections_received", Long.toString(since[0]));
        f.put("total_commands_processed", Long.toString(since[1]));
        f.put("rejected_connections", Long.toString(since[2]));
        f.put("evicted_clients", Long.toString(s.service().clientMemory().evictedClients()));
        f.put("total_error_replies", Long.toString(Math.max(0, nodeErrors) + since[3]));
        f.put("tracking_total_keys", Long.toString(s.service().tracking().table().size()));
        f.put("tracking_total_items", Long.toString(s.service().tracking().table().items()));
        f.put("tracking_total_prefixes", Long.toString(s.service().tracking().table().prefixes()));
        return f;
    }

    /**
     * The topology behind this listener as Redis would describe it: on ports that write, a master
     * with the read replicas as its replicas; on the read port, a replica of the master.
     */
    private static String replicationSection(ClientSession s) {
        Shard shard = s.shard();
        StringBuilder sb = new StringBuilder("# Replication\r\n");
        if (s.state().role() == ListenerRole.READ && shard.master() != null) {
            sb.append("role:slave\r\nmaster_host:").append(shard.master().host())
                    .append("\r\nmaster_port:").append(shard.master().port())
                    .append("\r\nmaster_link_status:up\r\n");
            return sb.toString();
        }
        sb.append("role:master\r\nconnected_slaves:").append(shard.readReplicas().size()).append("\r\n");
        for (int i = 0; i < shard.readReplicas().size(); i++) {
            NodeAddress r = shard.readReplicas().get(i);
            sb.append("slave").append(i).append(":ip=").append(r.host()).append(",port=").append(r.port())
                    .append(",state=online\r\n");
        }
        return sb.toString();
    }

    static String proxySection(ClientSession s) {
        Shard shard = s.shard();
        StringBuilder sb = new StringBuilder("# Proxy\r\n");
        sb.append("respproxy_version:").append(ProxyVersion.get()).append("\r\n");
        sb.append("service:").append(s.service().name()).append("\r\n");
        sb.append("listener:").append(s.state().listener()).append("\r\n");
        sb.append("proxy_connected_clients:").append(s.service().stats().connectedClients.get()).append("\r\n");
        sb.append("proxy_total_commands_processed:").append(s.service().stats().commandsProcessed.sum()).append("\r\n");
        sb.append("proxy_backend_connections:").append(s.service().backendConnections()).append("\r\n");
        var st = s.service().stats();
        sb.append("proxy_held_commands:").append(st.heldCommands.get()).append("\r\n");
        sb.append("proxy_failovers:").append(st.failovers.sum()).append("\r\n");
        sb.append("proxy_failover_discarded_bytes:").append(st.discardedBytes.sum()).append("\r\n");
        sb.append("proxy_retried_commands:").append(st.retried.sum()).append("\r\n");
        sb.append("proxy_may_have_been_applied:").append(st.maybeApplied.sum()).append("\r\n");
        sb.append("topology_version:").append(s.service().topology().version()).append("\r\n");
        sb.append("master:").append(shard.master() == null ? "" : shard.master().toString()).append("\r\n");
        if (shard.master() == null) {
            sb.append("master_down_reason:").append(shard.noMasterReason()).append("\r\n");
        }
        sb.append("read_replicas:").append(shard.readReplicas().size()).append("\r\n");
        for (int i = 0; i < shard.readReplicas().size(); i++) {
            sb.append("read_replica").append(i).append(':').append(shard.readReplicas().get(i)).append("\r\n");
        }
        return sb.toString();
    }

    /** The master's bulk (or RESP3 verbatim) INFO reply, rewritten; errors pass through. */
    private static ByteBuf rewrite(ClientSession s, ByteBuf reply, boolean withProxySection) {
        byte type = reply.getByte(reply.readerIndex());
        if (type != '$' && type != '=') {
            return reply;
        }
        int headerEnd = reply.indexOf(reply.readerIndex(), reply.writerIndex(), (byte) '\n') + 1;
        String text = reply.toString(headerEnd, reply.writerIndex() - headerEnd - 2, StandardCharsets.UTF_8);
        if (type == '=') {
            text = text.substring(4); // verbatim "txt:" prefix
        }
        reply.release();
        String merged = rewrite(s, text, withProxySection);
        ByteBuf out = s.alloc().buffer(merged.length() + 16);
        if (type == '=') {
            RespWriter.verbatim(out, 3, "txt", merged);
        } else {
            RespWriter.bulk(out, merged);
        }
        return out;
    }
}
