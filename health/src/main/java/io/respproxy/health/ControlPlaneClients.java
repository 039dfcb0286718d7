package io.respproxy.health;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.protocol.ProtocolVersion;
import io.respproxy.routing.NodeAddress;
import java.time.Duration;

/**
 * How every control-plane Lettuce client of the proxy is set (health probes, Sentinel and cluster
 * queries): no automatic reconnect (the owner dials again on its own schedule, and knows it did),
 * commands rejected rather than buffered while disconnected, a bounded request queue, and one
 * timeout for connecting and for every command.
 */
public final class ControlPlaneClients {

    private ControlPlaneClients() {}

    /**
     * @param queue    most commands queued on one connection
     * @param protocol RESP2 for callers that parse flat replies themselves; null: Lettuce's default
     */
    public static ClientOptions options(Duration timeout, int queue, ProtocolVersion protocol) {
        ClientOptions.Builder b = ClientOptions.builder()
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(queue)
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                .timeoutOptions(TimeoutOptions.enabled(timeout));
        if (protocol != null) {
            b.protocolVersion(protocol);
        }
        return b.build();
    }

    /** {@code node} with the credentials when there are any (ACL user and password, or password alone). */
    public static RedisURI uri(NodeAddress node, Duration timeout, String user, char[] password) {
        RedisURI.Builder b = RedisURI.builder().withHost(node.host()).withPort(node.port()).withTimeout(timeout);
        if (password != null) {
            if (user != null) {
                b.withAuthentication(user, password);
            } else {
                b.withPassword(password);
            }
        }
        return b.build();
    }
}
