package io.respproxy.routing.route;

/** What the router needs to know about the client that sent a command. */
public interface ClientView {

    /** Authenticated (or the service needs no authentication). */
    boolean authenticated();

    /** The client's user may only read ({@code users[].read-only}). */
    boolean readOnlyUser();

    /**
     * Which master a cluster client's keyless writes (PUBLISH, EVAL without keys) go to, so that
     * they keep the order the client sent them in, as on one Redis; stable for the connection.
     */
    default int affinity() {
        return 0;
    }
}
