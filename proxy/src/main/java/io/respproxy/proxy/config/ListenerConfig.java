package io.respproxy.proxy.config;

import io.respproxy.routing.route.ListenerRole;

/**
 * One client-facing listener of a service.
 *
 * @param name    the key under {@code listen} ({@code read}, {@code write} or {@code auto});
 *                users' {@code listeners} lists refer to it
 * @param address where to bind
 * @param role    what the listener does with reads and writes (defaults to its name)
 */
public record ListenerConfig(String name, HostPort address, ListenerRole role) {}
