package io.respproxy.routing.route;

import io.respproxy.routing.CommandArgs;
import io.respproxy.routing.command.CommandSpec;
import java.util.Locale;

/**
 * The error texts a routing decision produces, worded exactly as Redis words the same error
 * (clients parse them). Without the leading '-'.
 */
public final class RoutingErrors {

    private RoutingErrors() {}

    public static final String NOAUTH = "NOAUTH Authentication required.";
    public static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
    public static final String CLUSTERDOWN_UNSERVED = "CLUSTERDOWN Hash slot not served";
    public static final String READONLY_PORT = "READONLY You can't write against a read only replica.";
    public static final String SYNTAX = "ERR syntax error";
    /** A SCAN cursor that is not an unsigned 64-bit decimal. */
    public static final String INVALID_CURSOR = "ERR invalid cursor";
    /** A cluster SCAN cursor naming a shard or replica the snapshot no longer has. */
    public static final String SCAN_NODE_GONE = "ERR respproxy: the node this SCAN cursor was walking no longer "
            + "serves it (the cluster or its read replicas changed); start again from cursor 0";

    /** A command for every shard (FLUSHALL, DBSIZE, SCAN...) inside a cluster transaction, which runs on one node. */
    public static String inClusterTransaction(CommandSpec spec) {
        return "ERR respproxy: '" + spec.name().replace('|', ' ').toUpperCase(Locale.ROOT) + "' inside a "
                + "transaction would reach one shard of the cluster only; run it outside MULTI";
    }

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

    /** A command on the service's deny list, named as Redis names it ({@code config|set}). */
    public static String denied(CommandSpec spec) {
        return "ERR command '" + spec.name() + "' is disabled by the proxy (deny-commands)";
    }

    /** A read-only user's write, worded like Redis's ACL refusal. */
    public static String noPermission(CommandArgs args) {
        return "NOPERM User is read-only and has no permissions to run the '"
                + args.asString(0).toLowerCase(Locale.ROOT) + "' command";
    }

    /** EXEC or DISCARD outside a transaction. */
    public static String withoutMulti(CommandArgs args) {
        return "ERR " + args.asString(0).toUpperCase(Locale.ROOT) + " without MULTI";
    }

    /** Redis's arity error, which a node checks before anything else (a cluster node before the keys). */
    public static String arity(CommandSpec spec) {
        return "ERR wrong number of arguments for '" + spec.name() + "' command";
    }

    /** A command a multiplexing proxy cannot carry ({@code SYNC}, {@code PSYNC}, {@code REPLCONF}). */
    public static String unsupported(CommandSpec spec) {
        return "ERR " + spec.name().replace('|', ' ').toUpperCase(Locale.ROOT)
                + " is not supported by respproxy (the proxy multiplexes backend connections)";
    }
}
