package io.respproxy.proxy.service;

import io.respproxy.routing.NodeAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * What a service in {@code mode = cluster} tells cluster-aware clients about itself: each listener
 * is a one-node cluster owning every slot. The node's id is derived from the service and listener
 * names only, so every proxy running the same configuration (two behind a VIP) presents the same
 * node; its address is the listener's {@code announce} setting, or, when that is not set, the
 * address the client's connection reached (see {@link Listener#announce()}).
 *
 * @param enabled   the service is in cluster mode (also: SELECT other than 0 is refused, as by Redis Cluster)
 * @param listeners by listener name
 */
public record ClusterEmulation(boolean enabled, Map<String, Listener> listeners) {

    /** A service not in cluster mode: CLUSTER commands go to the backend, which answers for itself. */
    public static final ClusterEmulation OFF = new ClusterEmulation(false, Map.of());

    /**
     * The node one listener presents.
     *
     * @param nodeId   CLUSTER MYID: 40 hex digits, stable across restarts and proxies
     * @param shardId  CLUSTER MYSHARDID: 40 hex digits
     * @param announce the address clients are told to connect to; null: the local address of each
     *                 client's own connection (right for clients that reach the proxy directly)
     */
    public record Listener(String nodeId, String shardId, NodeAddress announce) {}

    public ClusterEmulation {
        listeners = Map.copyOf(listeners);
    }

    /**
     * The emulation of a cluster-mode service.
     *
     * @param announce addresses set for some of {@code listenerNames} (others use the connection's address)
     */
    public static ClusterEmulation of(String service, Collection<String> listenerNames,
                                      Map<String, NodeAddress> announce) {
        Map<String, Listener> out = new HashMap<>();
        for (String name : listenerNames) {
            out.put(name, new Listener(sha1Hex("respproxy node " + service + " " + name),
                    sha1Hex("respproxy shard " + service + " " + name), announce.get(name)));
        }
        return new ClusterEmulation(true, out);
    }

    /** The node {@code listenerName} presents (null when the service is not in cluster mode). */
    public Listener listener(String listenerName) {
        return listeners.get(listenerName);
    }

    static String sha1Hex(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder(40);
            for (byte b : digest) {
                sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JVM", e);
        }
    }
}
