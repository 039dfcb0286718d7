package io.respproxy.routing.route;

/**
 * A service's routing settings.
 *
 * @param readPortRejectsWrites {@code read-port.writes = reject}: writes on the read port get -READONLY
 * @param fallbackToMaster      {@code read-port.fallback-to-master}: reads go to the master when no
 *                              replica is eligible (otherwise they wait for one, as in a failover)
 */
public record RoutingRules(boolean readPortRejectsWrites, boolean fallbackToMaster) {
    public static final RoutingRules DEFAULTS = new RoutingRules(false, true);
}
