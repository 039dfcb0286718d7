package io.respproxy.proxy.resp;

import io.respproxy.routing.CommandArgs;
import io.respproxy.routing.route.RoutingErrors;

/**
 * Every fixed reply text the proxy sends, in one place, worded exactly like Redis where Redis has
 * the same reply (clients match on these). Texts are without the leading {@code +}/{@code -} and
 * CRLF; write them with {@link RespWriter#error} / {@link RespWriter#simpleString}, or use the
 * ready-made buffers in {@link SharedReplies}.
 */
public final class ReplyStrings {

    private ReplyStrings() {}

    public static final String OK = "OK";
    public static final String PONG = "PONG";
    public static final String QUEUED = "QUEUED";

    public static final String NOAUTH = RoutingErrors.NOAUTH;
    public static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
    public static final String CROSSSLOT = RoutingErrors.CROSSSLOT;
    public static final String NOPROTO = "NOPROTO unsupported protocol version";
    public static final String SYNTAX = RoutingErrors.SYNTAX;
    public static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    public static final String DB_INDEX_OUT_OF_RANGE = "ERR DB index is out of range";
    public static final String CLUSTER_SUPPORT_DISABLED = "ERR This instance has cluster support disabled";
    /** SELECT other than 0 on a cluster node. */
    public static final String SELECT_IN_CLUSTER_MODE = "ERR SELECT is not allowed in cluster mode";
    /** CLUSTER COUNTKEYSINSLOT with a slot outside 0-16383. */
    public static final String INVALID_SLOT = "ERR Invalid slot";
    /** CLUSTER GETKEYSINSLOT with a slot outside 0-16383 or a negative count. */
    public static final String INVALID_SLOT_OR_KEYS = "ERR Invalid slot or number of keys";
    /** Prefix of every protocol error; the decoders produce the full text in {@link RespProtocolError}. */
    public static final String PROTOCOL_ERROR = "ERR Protocol error: ";

    /** Redis' unknown-command error (the router's words: one place). */
    public static String unknownCommand(CommandArgs args) {
        return RoutingErrors.unknownCommand(args);
    }

    /** Redis' arity error: {@code ERR wrong number of arguments for 'get' command}. */
    public static String wrongArity(String commandName) {
        return "ERR wrong number of arguments for '" + commandName.toLowerCase(java.util.Locale.ROOT) + "' command";
    }

    /**
     * Redis' unknown-subcommand error: {@code ERR unknown subcommand 'x'. Try CLUSTER HELP.} (the
     * subcommand shown up to 128 characters, as Redis does).
     */
    public static String unknownSubcommand(String command, String subcommand) {
        return "ERR unknown subcommand '" + subcommand.substring(0, Math.min(subcommand.length(), 128)) + "'. Try "
                + command.toUpperCase(java.util.Locale.ROOT) + " HELP.";
    }

    /** CLUSTER REPLICAS / COUNT-FAILURE-REPORTS naming a node the cluster does not know. */
    public static String unknownNode(String nodeId) {
        return "ERR Unknown node " + nodeId;
    }
}
