package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.resp.RespWriter;
import io.respproxy.proxy.service.ClusterEmulation;
import io.respproxy.routing.Topology;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.regex.Pattern;

/**
 * The one-node cluster a listener presents to cluster-aware clients in {@code mode = cluster}: a
 * master owning slots 0-16383, with no replicas, at the listener's announce address. Writes the
 * CLUSTER replies about it byte for byte as Redis 7 formats them (RESP2 and RESP3), so Lettuce,
 * Jedis and redis-cli parse them as they parse a real node's, then send every command here.
 *
 * <p>A host name (not an IP literal) is announced the way Redis announces
 * {@code cluster-announce-hostname}: as the node's hostname; it also stands in the ip field,
 * because it is the only address clients can reach the proxy at. The node has no cluster bus:
 * its bus port is 0.
 *
 * @param id       CLUSTER MYID
 * @param shardId  CLUSTER MYSHARDID
 * @param ip       the announced host (IP literal, or the host name)
 * @param port     the announced port
 * @param hostname the announced host name, or null when the host is an IP literal
 */
record EmulatedNode(String id, String shardId, String ip, int port, String hostname) {

    static final int LAST_SLOT = Topology.SLOTS - 1;
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /**
     * The node {@code listener} presents to a client whose connection reached {@code local}: its
     * announce address, or else the address the client reached (what a direct client can dial again).
     */
    static EmulatedNode of(ClusterEmulation.Listener listener, SocketAddress local) {
        if (listener.announce() != null) {
            String host = listener.announce().host();
            boolean literal = host.indexOf(':') >= 0 || IPV4.matcher(host).matches();
            return new EmulatedNode(listener.nodeId(), listener.shardId(), host, listener.announce().port(),
                    literal ? null : host);
        }
        if (local instanceof InetSocketAddress a && a.getAddress() != null) {
            return new EmulatedNode(listener.nodeId(), listener.shardId(), a.getAddress().getHostAddress(),
                    a.getPort(), null);
        }
        // Client connections are TCP: an address of another kind is not expected.
        throw new IllegalStateException("not an IP connection: " + local);
    }

    /** CLUSTER INFO; {@code slotsOk} of the 16384 slots have a master now (the others: state fail). */
    void writeInfo(ByteBuf out, int protocol, int slotsOk) {
        String text = "cluster_state:" + (slotsOk == Topology.SLOTS ? "ok" : "fail") + "\r\n"
                + "cluster_slots_assigned:" + Topology.SLOTS + "\r\n"
                + "cluster_slots_ok:" + slotsOk + "\r\n"
                + "cluster_slots_pfail:0\r\n"
                + "cluster_slots_fail:" + (Topology.SLOTS - slotsOk) + "\r\n"
                + "cluster_known_nodes:1\r\n"
                + "cluster_size:1\r\n"
                + "cluster_current_epoch:1\r\n"
                + "cluster_my_epoch:1\r\n"
                + "cluster_stats_messages_sent:0\r\n"
                + "cluster_stats_messages_received:0\r\n"
                + "total_cluster_links_buffer_limit_exceeded:0\r\n";
        RespWriter.verbatim(out, protocol, "txt", text);
    }

    /** CLUSTER NODES: {@code <id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slots>}. */
    void writeNodes(ByteBuf out, int protocol) {
        RespWriter.verbatim(out, protocol, "txt", nodesLine() + "\n");
    }

    String nodesLine() {
        return id + " " + ip + ":" + port + "@0" + (hostname == null ? "" : "," + hostname)
                + " myself,master - 0 0 1 connected 0-" + LAST_SLOT;
    }

    /**
     * CLUSTER SLOTS: one range, 0-16383, served by this node: {@code [ip, port, id, metadata]}, the
     * metadata a map (RESP3 {@code %}, RESP2 a flat array), empty or with the hostname, as Redis 7
     * with {@code cluster-preferred-endpoint-type ip}.
     */
    void writeSlots(ByteBuf out, int protocol) {
        RespWriter.arrayHeader(out, 1);
        RespWriter.arrayHeader(out, 3);
        RespWriter.integer(out, 0);
        RespWriter.integer(out, LAST_SLOT);
        RespWriter.arrayHeader(out, 4);
        RespWriter.bulk(out, ip);
        RespWriter.integer(out, port);
        RespWriter.bulk(out, id);
        if (hostname == null) {
            RespWriter.mapHeader(out, protocol, 0);
        } else {
            RespWriter.mapHeader(out, protocol, 1);
            RespWriter.bulk(out, "hostname");
            RespWriter.bulk(out, hostname);
        }
    }

    /** CLUSTER SHARDS (Redis 7): one shard, {@code slots [0, 16383]}, one node, each a map. */
    void writeShards(ByteBuf out, int protocol) {
        RespWriter.arrayHeader(out, 1);
        RespWriter.mapHeader(out, protocol, 2);
        RespWriter.bulk(out, "slots");
        RespWriter.arrayHeader(out, 2);
        RespWriter.integer(out, 0);
        RespWriter.integer(out, LAST_SLOT);
        RespWriter.bulk(out, "nodes");
        RespWriter.arrayHeader(out, 1);
        RespWriter.mapHeader(out, protocol, hostname == null ? 7 : 8);
        RespWriter.bulk(out, "id");
        RespWriter.bulk(out, id);
        RespWriter.bulk(out, "port");
        RespWriter.integer(out, port);
        RespWriter.bulk(out, "ip");
        RespWriter.bulk(out, ip);
        RespWriter.bulk(out, "endpoint");
        RespWriter.bulk(out, ip);
        if (hostname != null) {
            RespWriter.bulk(out, "hostname");
            RespWriter.bulk(out, hostname);
        }
        RespWriter.bulk(out, "role");
        RespWriter.bulk(out, "master");
        RespWriter.bulk(out, "replication-offset");
        RespWriter.integer(out, 0);
        RespWriter.bulk(out, "health");
        RespWriter.bulk(out, "online");
    }
}
