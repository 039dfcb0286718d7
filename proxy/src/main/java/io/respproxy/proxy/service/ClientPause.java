package io.respproxy.proxy.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIENT PAUSE for the service's clients, as Redis pauses its own: until the time given or CLIENT
 * UNPAUSE, every command (ALL) or every command that may write or replicate (WRITE) waits, not
 * fails; syntax errors are still answered at once. The proxy pauses its clients, not the nodes:
 * other proxies and direct clients go on. Scripts count as writes unless they declare
 * {@code no-writes}: in an EVAL's shebang, or, for EVALSHA and FCALL, in a script or function the
 * proxy saw loaded (SCRIPT LOAD, FUNCTION LOAD) or run; an unknown one waits.
 */
public final class ClientPause {

    /** A client waiting for the pause to end: woken on any thread, it resumes on its own loop. */
    public interface Waiter {
        void pauseEnded();
    }

    private volatile long untilNanos;
    private volatile boolean all;
    private final Set<Waiter> waiting = ConcurrentHashMap.newKeySet();
    /** Script SHA1s and function names known to be declared {@code no-writes}, and known not to be. */
    private final Map<String, Boolean> readOnlyScripts = new ConcurrentHashMap<>();
    private final Map<String, Boolean> readOnlyFunctions = new ConcurrentHashMap<>();
    private static final int MAX_REMEMBERED = 10_000;

    /**
     * CLIENT PAUSE {@code millis} WRITE|ALL: the mode is the new one, the end the later of the
     * two (as in Redis). Returns when it ends, in {@link System#nanoTime()} terms.
     */
    public long pause(long millis, boolean allCommands) {
        long until = System.nanoTime() + millis * 1_000_000L;
        long current = untilNanos;
        if (current == 0 || until - current > 0) {
            untilNanos = until;
        }
        all = allCommands;
        return untilNanos;
    }

    /** CLIENT UNPAUSE, or the pause's end: whoever waits runs again. */
    public void unpause() {
        untilNanos = 0;
        for (Waiter w : waiting) {
            waiting.remove(w);
            w.pauseEnded();
        }
    }

    /** Whether a command ({@code writes}: it may write or replicate) must wait now. */
    public boolean holds(boolean writes) {
        long until = untilNanos;
        if (until == 0) {
            return false;
        }
        if (System.nanoTime() - until >= 0) {
            unpause();
            return false;
        }
        return all || writes;
    }

    /** When the current pause ends ({@link System#nanoTime()}), 0 when there is none. */
    public long until() {
        return untilNanos;
    }

    public void await(Waiter w) {
        waiting.add(w);
        if (untilNanos == 0) {
            // Ended meanwhile: nobody else would wake it.
            unpause();
        }
    }

    /** Clients waiting for a pause now (INFO counts them as blocked, as Redis does). */
    public int waiting() {
        return waiting.size();
    }

    /** Leaves the waiters (a client that closed). */
    public void leave(Waiter w) {
        waiting.remove(w);
    }

    /** Whether a script body declares {@code no-writes} in its shebang ({@code #!lua flags=no-writes,...}). */
    public static boolean declaresNoWrites(byte[] body) {
        if (body.length < 2 || body[0] != '#' || body[1] != '!') {
            return false;
        }
        int end = 0;
        while (end < body.length && body[end] != '\n') {
            end++;
        }
        String shebang = new String(body, 0, end, StandardCharsets.UTF_8);
        Matcher m = FLAGS.matcher(shebang);
        if (!m.find()) {
            return false;
        }
        for (String f : m.group(1).split(",")) {
            if (f.trim().equals("no-writes")) {
                return true;
            }
        }
        return false;
    }

    private static final Pattern FLAGS = Pattern.compile("\\bflags=(\\S*)");

    /** A script the proxy saw (EVAL, SCRIPT LOAD): EVALSHA of it is known read-only or not. */
    public void scriptSeen(byte[] body) {
        if (readOnlyScripts.size() < MAX_REMEMBERED) {
            readOnlyScripts.put(sha1(body), declaresNoWrites(body));
        }
    }

    /** EVALSHA of {@code sha}: true only when the proxy saw that script declare no-writes. */
    public boolean scriptReadOnly(String sha) {
        return Boolean.TRUE.equals(readOnlyScripts.get(sha.toLowerCase(java.util.Locale.ROOT)));
    }

    /**
     * A library the proxy saw loaded (FUNCTION LOAD): each {@code function_name='f'} registered in
     * a table whose {@code flags} name {@code no-writes} is read-only; a function registered
     * otherwise is not. A reading of the registration, not a Lua parser: what it cannot tell
     * counts as a write, which waits during a WRITE pause rather than failing.
     */
    public void libraryLoaded(byte[] code) {
        String text = new String(code, StandardCharsets.UTF_8);
        String[] registrations = text.split("register_function");
        for (int i = 1; i < registrations.length; i++) {
            String r = registrations[i];
            Matcher name = NAMED.matcher(r);
            String fn;
            boolean noWrites = false;
            if (name.find()) {
                fn = name.group(1);
                Matcher flags = FLAGS_TABLE.matcher(r);
                noWrites = flags.find() && flags.group(1).contains("no-writes");
            } else {
                Matcher positional = POSITIONAL.matcher(r);
                if (!positional.find()) {
                    continue;
                }
                fn = positional.group(1);
            }
            if (readOnlyFunctions.size() < MAX_REMEMBERED) {
                readOnlyFunctions.put(fn, noWrites);
            }
        }
    }

    private static final Pattern NAMED = Pattern.compile("^\\s*\\{\\s*function_name\\s*=\\s*['\"]([^'\"]+)['\"]");
    private static final Pattern POSITIONAL = Pattern.compile("^\\s*\\(\\s*['\"]([^'\"]+)['\"]");
    private static final Pattern FLAGS_TABLE = Pattern.compile("flags\\s*=\\s*\\{([^}]*)\\}");

    /** FCALL of {@code function}: true only when the proxy saw it registered with no-writes. */
    public boolean functionReadOnly(String function) {
        return Boolean.TRUE.equals(readOnlyFunctions.get(function));
    }

    static String sha1(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every JVM", e);
        }
    }
}
