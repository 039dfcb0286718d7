package io.respproxy.routing.route;

/** What a listener does with the commands it receives. */
public enum ListenerRole {
    /** Reads go to replicas; writes follow {@code read-port.writes} (master or reject). */
    READ,
    /** Everything goes to the master (the HAProxy "redis-master" frontend). */
    WRITE,
    /** Reads to replicas, writes to the master, whatever {@code read-port.writes} says. */
    AUTO;

    /** The spelling used in the configuration. */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
