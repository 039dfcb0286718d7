package io.respproxy.proxy.service;

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

    /**
     * Tracking invalidations another client redirects here (CLIENT TRACKING ... REDIRECT), each
     * message a list of keys ({@code null}: a flush), written on this client's loop as it can
     * receive them.
     */
    void trackingMessages(java.util.List<java.util.List<byte[]>> messages);

    /** The client as CLIENT LIST shows it, computed on its own event loop. */
    CompletableFuture<ClientInfo> info();

    /**
     * CLIENT UNBLOCK for this client, done on its own event loop: if it waits in a blocking
     * command, the node where it waits is asked to unblock the proxy's connection there. Completes
     * with the reply line for the asking client: {@code :1}, {@code :0} (not blocked) or an error.
     *
     * @param mode TIMEOUT or ERROR
     */
    CompletableFuture<String> unblock(String mode);
}
