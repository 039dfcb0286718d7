package io.respproxy.proxy.session;

/**
 * What a listener does with commands, like the two HAProxy frontends it replaces.
 */
public enum ListenerRole {
    /** Read-only commands to replicas (round-robin), writes per {@code read-port.writes}. */
    READ,
    /** Everything to the master. */
    WRITE,
    /** Reads to replicas, writes to the master: one port for an application that sends both. */
    AUTO
}
