package io.respproxy.proxy.backend;

import io.respproxy.routing.NodeAddress;

/**
 * Why a backend connection could not deliver a reply. The message is shown to clients, so it
 * names the node and the cause and never carries credentials.
 */
public record BackendFailure(NodeAddress node, Kind kind, String detail) {

    public enum Kind { CONNECT_FAILED, CONNECTION_LOST, HANDSHAKE_FAILED, TIMEOUT, CLOSED }

    /** Client-facing text without the leading '-' (e.g. for an ERR reply). */
    public String message(boolean mayHaveBeenApplied) {
        String what = switch (kind) {
            case CONNECT_FAILED -> "cannot connect to backend " + node;
            case CONNECTION_LOST -> "connection to backend " + node + " lost";
            case HANDSHAKE_FAILED -> "backend " + node + " refused the proxy's handshake";
            case TIMEOUT -> "backend " + node + " did not answer in time";
            case CLOSED -> "backend connection to " + node + " closed";
        };
        String tail = detail == null || detail.isEmpty() ? "" : " (" + detail + ")";
        return mayHaveBeenApplied
                ? "ERR " + what + tail + "; the command may have been applied"
                : "ERR " + what + tail;
    }
}
