package io.respproxy.routing.route;

/** What the router needs to know about the client that sent a command. */
public interface ClientView {

    /** Authenticated (or the service needs no authentication). */
    boolean authenticated();

    /** The client's user may only read ({@code users[].read-only}). */
    boolean readOnlyUser();
}
