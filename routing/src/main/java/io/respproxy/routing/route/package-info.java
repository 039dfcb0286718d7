/**
 * The routing decision: {@link io.respproxy.routing.route.Router} turns (command, arguments,
 * client, listener role, topology snapshot) into a {@link io.respproxy.routing.route.Route}.
 * Pure logic; the proxy's dispatcher executes routes. See docs/DESIGN.md, "Data path".
 */
package io.respproxy.routing.route;
