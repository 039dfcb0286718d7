/**
 * respproxy routing module: where a command goes. See docs/DESIGN.md, "Modules".
 *
 * <p>{@link io.respproxy.routing.CommandArgs} is how routing reads a request;
 * {@link io.respproxy.routing.command} holds the command table and key extraction;
 * {@link io.respproxy.routing.slot} holds cluster slot hashing.
 */
package io.respproxy.routing;
