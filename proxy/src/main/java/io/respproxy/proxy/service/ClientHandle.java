package io.respproxy.proxy.service;

import io.respproxy.routing.NodeAddress;
import java.util.concurrent.CompletableFuture;

/**
 * A connected client as the rest of the daemon sees it (CLIENT LIST, INFO, graceful stop). A
 * client's state belongs to its event loop: whatever reads it from elsewhere goes through
 * {@link #describe()}, which runs there.
 */
public interface ClientHandle {

    long id();

    /** No reply outstanding (graceful stop waits for this). Approximate from other threads. */
    boolean idle();

    /** Closes the client's connection (any thread). */
    void close();

    /** The client's CLIENT LIST line, computed on its own event loop. */
    CompletableFuture<String> describe();

    /** Where the client waits in a blocking command (for CLIENT UNBLOCK), or null; computed on its loop. */
    CompletableFuture<BlockedOn> blockedOn();

    /**
     * A blocking command waiting on a dedicated connection.
     *
     * @param backendClientId that connection's CLIENT ID on {@code node}
     */
    record BlockedOn(NodeAddress node, long backendClientId) {}
}
