package io.respproxy.proxy.server;

import io.respproxy.routing.route.ListenerRole;
import io.respproxy.proxy.service.ServiceRuntime;

import io.respproxy.routing.NodeAddress;

/** One port the proxy accepts clients on: its service, name ("read", "write"), address and role. */
public record ListenerSpec(ServiceRuntime service, String name, NodeAddress address, ListenerRole role) {
}
