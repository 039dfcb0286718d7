package io.respproxy.proxy.session;

/**
 * How the session treats a command: answered locally, forwarded as a read or a write over a
 * shared connection, or needing a connection of its own.
 */
enum CommandKind {
    LOCAL, READ, WRITE, TRANSACTION, WATCH, EXEC_OUTSIDE_MULTI, BLOCKING, SUBSCRIBE, DENIED, UNKNOWN
}
