package io.respproxy.proxy.resp;

import io.respproxy.routing.CommandArgs;

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

    public static final String NOAUTH = "NOAUTH Authentication required.";
    public static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
    /** AUTH with a password when none is configured (Redis' wording). */
    public static final String AUTH_NOT_CONFIGURED =
            "ERR AUTH <password> called without any password configured for the default user. "
                    + "Are you sure your configuration is correct?";
    public static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
    public static final String NOPROTO = "NOPROTO unsupported protocol version";
    public static final String SYNTAX = "ERR syntax error";
    public static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    public static final String DB_INDEX_OUT_OF_RANGE = "ERR DB index is out of range";
    public static final String CLUSTER_SUPPORT_DISABLED = "ERR This instance has cluster support disabled";
    /** Prefix of every protocol error; the decoders produce the full text in {@link RespProtocolError}. */
    public static final String PROTOCOL_ERROR = "ERR Protocol error: ";

    /**
     * Redis' unknown-command error: {@code ERR unknown command 'foo', with args beginning with: 'a' 'b' }
     * (name and arguments shown up to 128 characters, as Redis does).
     */
    public static String unknownCommand(CommandArgs args) {
        StringBuilder sb = new StringBuilder("ERR unknown command '");
        String name = args.size() > 0 ? args.asString(0) : "";
        sb.append(name, 0, Math.min(name.length(), 128)).append("', with args beginning with: ");
        int argsStart = sb.length();
        for (int i = 1; i < args.size() && sb.length() - argsStart < 128; i++) {
            String arg = args.asString(i);
            int room = 128 - (sb.length() - argsStart);
            sb.append('\'').append(arg, 0, Math.min(arg.length(), room)).append("' ");
        }
        return sb.toString();
    }

    /** Redis' arity error: {@code ERR wrong number of arguments for 'get' command}. */
    public static String wrongArity(String commandName) {
        return "ERR wrong number of arguments for '" + commandName.toLowerCase(java.util.Locale.ROOT) + "' command";
    }

    /** Redis' unknown-subcommand error: {@code ERR unknown subcommand 'x'. Try CLUSTER HELP.} */
    public static String unknownSubcommand(String command, String subcommand) {
        return "ERR unknown subcommand '" + subcommand + "'. Try " + command.toUpperCase(java.util.Locale.ROOT)
                + " HELP.";
    }
}
