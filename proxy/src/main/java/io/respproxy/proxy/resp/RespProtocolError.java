package io.respproxy.proxy.resp;

/**
 * Emitted by {@link RespRequestDecoder} and {@link RespReplyDecoder} (as a message, after every
 * frame decoded before it) when the peer broke the protocol. The decoder discards all further input;
 * the handler answers {@code -}{@link #errorLine()} (clients) or fails the connection (backends),
 * then closes, as Redis does.
 */
public final class RespProtocolError {

    private final String message;

    /** @param message Redis' wording, e.g. {@code "Protocol error: invalid bulk length"} */
    public RespProtocolError(String message) {
        this.message = message;
    }

    /** Redis' wording, starting with {@code "Protocol error: "}. */
    public String message() {
        return message;
    }

    /** The error reply line without {@code -} and CRLF: {@code "ERR Protocol error: ..."}. */
    public String errorLine() {
        return "ERR " + message;
    }

    @Override
    public String toString() {
        return "RespProtocolError[" + message + "]";
    }
}
