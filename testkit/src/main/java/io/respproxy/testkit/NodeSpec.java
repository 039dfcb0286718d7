package io.respproxy.testkit;

/**
 * What an {@link ExtraConfig} knows about the node it writes config for.
 *
 * @param name     the node's name in its topology: {@code master}, {@code replica-1}, {@code sentinel-2},
 *                 {@code node-4}; also the name of its directory
 * @param port     the port it will listen on (a cluster node's bus port is {@code port + 10000})
 * @param sentinel true for a Sentinel, false for a data node
 */
public record NodeSpec(String name, int port, boolean sentinel) {
}
