package io.respproxy.routing.command;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a Lua script's body says of the commands it calls. Redis remembers a tracking client's
 * script's declared keys only when the script calls a read-only command; the proxy, which keeps
 * that table for its clients, must decide before the script runs, from the body it is given. A
 * reading of {@code redis.call('name', ...)} (and {@code pcall}, {@code server.}) with a literal
 * name, not a Lua parser: a call whose name is not a literal, or that names no known command,
 * counts as a read, so an invalidation may come that Redis would not send, never the reverse.
 */
public final class ScriptCalls {

    private ScriptCalls() {}

    /** A call and what follows its opening parenthesis. */
    private static final Pattern CALL = Pattern.compile("\\b(?:redis|server)\\s*\\.\\s*p?call\\s*\\(\\s*");
    /** A literal command name: 'get' or "get". */
    private static final Pattern LITERAL = Pattern.compile("(['\"])([A-Za-z_][A-Za-z0-9_|.-]*)\\1");

    /** Whether the script may call a read-only command (true when the body does not say). */
    public static boolean mayRead(String body, CommandTable table) {
        Matcher call = CALL.matcher(body);
        while (call.find()) {
            Matcher name = LITERAL.matcher(body).region(call.end(), body.length());
            if (!name.lookingAt()) {
                return true; // a name in a variable: could be anything
            }
            CommandSpec spec = table.lookup(name.group(2));
            if (!spec.isKnown() || spec.isReadOnly()) {
                return true;
            }
        }
        return false;
    }
}
