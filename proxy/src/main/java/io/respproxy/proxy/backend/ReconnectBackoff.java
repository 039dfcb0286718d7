package io.respproxy.proxy.backend;

import io.respproxy.routing.NodeAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code backend.reconnect-backoff}: after a node refuses a connection, new connections to it fail
 * at once until a delay has passed; the delay starts at min and doubles per failure up to max. Fed
 * only with what the node did (a refused or timed-out connect), never with connects the proxy
 * abandoned itself. One per event loop, touched by that loop only.
 */
final class ReconnectBackoff {

    private final Duration min;
    private final Duration max;
    private final Map<NodeAddress, State> nodes = new HashMap<>();

    ReconnectBackoff(Duration min, Duration max) {
        this.min = min;
        this.max = max;
    }

    /** Why a connection to {@code node} must not be tried now, or null when it may. */
    String refusal(NodeAddress node) {
        State s = nodes.get(node);
        long now = System.nanoTime();
        if (s == null || now >= s.retryAtNanos) {
            return null;
        }
        return "retrying in " + TimeUnit.NANOSECONDS.toMillis(s.retryAtNanos - now) + " ms: " + s.lastError;
    }

    /** A connect to {@code node} failed with {@code error}; returns the error as clients see it. */
    String failed(NodeAddress node, String error) {
        State s = nodes.computeIfAbsent(node, n -> new State());
        s.delayMillis = s.delayMillis == 0 ? min.toMillis() : Math.min(max.toMillis(), s.delayMillis * 2);
        s.retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(s.delayMillis);
        s.lastError = error;
        return error;
    }

    void succeeded(NodeAddress node) {
        nodes.remove(node);
    }

    private static final class State {
        long retryAtNanos;
        long delayMillis;
        String lastError;
    }
}
