/**
 * The command table: what each Redis command is (flags, arity), where its keys are, and which
 * routing shape the proxy gives it. {@link io.respproxy.routing.command.CommandTable} is the one
 * source of these facts; {@link io.respproxy.routing.command.CommandSpec} is one entry.
 */
package io.respproxy.routing.command;
