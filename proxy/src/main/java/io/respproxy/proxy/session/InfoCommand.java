package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.ProxyVersion;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.RespWriter;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * INFO: the master's own answer (so {@code redis_version}, keyspace and memory describe the real
 * data) with the proxy's view added: a {@code # Proxy} section and the proxy's client count and
 * backend topology. Spring Boot's health check, ioredis' ready check and {@code redis-cli info}
 * read these fields. Without a master the proxy answers alone.
 */
final class InfoCommand {

    private InfoCommand() {}

    static void execute(ClientSession s, RespRequest req) {
        String section = req.size() > 1 ? req.asString(1).toLowerCase(Locale.ROOT) : "default";
        boolean proxySection = section.equals("default") || section.equals("all") || section.equals("everything")
                || section.equals("proxy") || section.equals("respproxy");
        NodeAddress master = s.shard().master();
        if (master == null || section.equals("proxy") || section.equals("respproxy")) {
            s.writeLocal(Reply.bulk(s.alloc(), proxyOnly(s, section)));
            return;
        }
        s.sendShared(master, req.retain(), (session, reply) -> proxySection ? appendProxySection(session, reply) : reply);
    }

    private static String proxyOnly(ClientSession s, String section) {
        StringBuilder sb = new StringBuilder();
        if (!section.equals("proxy") && !section.equals("respproxy")) {
            sb.append("# Server\r\nredis_version:").append(s.service.redisVersion())
                    .append("\r\nredis_mode:standalone\r\nrespproxy_version:").append(ProxyVersion.get()).append("\r\n\r\n");
        }
        return sb.append(proxySection(s)).toString();
    }

    static String proxySection(ClientSession s) {
        Shard shard = s.shard();
        StringBuilder sb = new StringBuilder("# Proxy\r\n");
        sb.append("respproxy_version:").append(ProxyVersion.get()).append("\r\n");
        sb.append("service:").append(s.service.name()).append("\r\n");
        sb.append("listener:").append(s.listener).append("\r\n");
        sb.append("proxy_connected_clients:").append(s.service.stats().connectedClients.get()).append("\r\n");
        sb.append("proxy_total_commands_processed:").append(s.service.stats().commandsProcessed.sum()).append("\r\n");
        sb.append("proxy_backend_connections:").append(s.service.backendConnections()).append("\r\n");
        sb.append("topology_version:").append(s.service.topology().version()).append("\r\n");
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

    /** The master's bulk reply with the proxy section added at the end. */
    private static ByteBuf appendProxySection(ClientSession s, ByteBuf reply) {
        byte type = reply.getByte(reply.readerIndex());
        if (type != '$' && type != '=') {
            return reply; // an error: pass it on as it is
        }
        int headerEnd = reply.indexOf(reply.readerIndex(), reply.writerIndex(), (byte) '\n') + 1;
        String text = reply.toString(headerEnd, reply.writerIndex() - headerEnd - 2, StandardCharsets.UTF_8);
        if (type == '=') {
            text = text.substring(4); // verbatim "txt:" prefix
        }
        reply.release();
        String merged = text.endsWith("\r\n") ? text + "\r\n" + proxySection(s) : text + "\r\n\r\n" + proxySection(s);
        ByteBuf out = s.alloc().buffer(merged.length() + 16);
        if (type == '=') {
            RespWriter.verbatim(out, 3, "txt", merged);
        } else {
            RespWriter.bulk(out, merged);
        }
        return out;
    }
}
