package io.respproxy.proxy.service;

import io.respproxy.routing.CommandArgs;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The service's SLOWLOG: the commands of its clients whose reply took at least
 * {@code slowlog-log-slower-than} microseconds from when the proxy read them (the node's time and
 * the proxy's, as the client saw it), with the client's address and name, newest first, at most
 * {@code slowlog-max-len}. Entries are written as Redis writes them: at most 32 arguments (the
 * last says how many more), arguments cut at 128 bytes, secrets redacted. Both settings start from
 * the service's config and follow CONFIG SET through the proxy, as Redis's do. Shared by the
 * service's loops; an entry is added only when a command was slow, so the lock is rare.
 */
public final class SlowLog {

    static final int MAX_ARGS = 32;
    static final int MAX_STRING = 128;
    private static final byte[] REDACTED = "(redacted)".getBytes(StandardCharsets.US_ASCII);
    /** CONFIG SET parameters whose value Redis redacts (its SENSITIVE_CONFIG ones). */
    private static final Set<String> SENSITIVE = Set.of("masterauth", "requirepass", "tls-key-file-pass",
            "tls-client-key-file-pass");

    /** One entry, as SLOWLOG GET shows it. */
    public record Entry(long id, long unixSeconds, long micros, List<byte[]> args, String addr, String name) {}

    private volatile long slowerThanMicros;
    private volatile long maxLen;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>(); // newest first
    private long nextId;

    /** @param slowerThanMicros negative: nothing is logged; 0: every command */
    public SlowLog(long slowerThanMicros, long maxLen) {
        this.slowerThanMicros = slowerThanMicros;
        this.maxLen = maxLen;
    }

    /** Settings from a reload: the file's values replace any CONFIG SET since. */
    public void configure(long slowerThan, long maxEntries) {
        slowerThanMicros = slowerThan;
        maxLen(maxEntries);
    }

    private void maxLen(long n) {
        maxLen = n;
        synchronized (entries) {
            while (entries.size() > n) {
                entries.removeLast();
            }
        }
    }

    /** log-slower-than is 0: every command is logged, whatever its time. */
    public boolean logsEverything() {
        return slowerThanMicros == 0;
    }

    /** Whether a command answered after {@code micros} is logged. */
    public boolean isSlow(long micros) {
        long t = slowerThanMicros;
        return t >= 0 && micros >= t;
    }

    /** Logs a command: {@code args} as the client sent them (redacted and trimmed here). */
    public void add(List<byte[]> args, long micros, String addr, String name) {
        List<byte[]> kept = trimmed(redacted(args));
        synchronized (entries) {
            entries.addFirst(new Entry(nextId++, System.currentTimeMillis() / 1000, micros, kept, addr, name));
            while (entries.size() > maxLen) {
                entries.removeLast();
            }
        }
    }

    /** The newest {@code count} entries ({@code -1}: all). */
    public List<Entry> newest(long count) {
        synchronized (entries) {
            List<Entry> out = new ArrayList<>();
            for (Entry e : entries) {
                if (count >= 0 && out.size() >= count) {
                    break;
                }
                out.add(e);
            }
            return out;
        }
    }

    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    public void reset() {
        synchronized (entries) {
            entries.clear();
        }
    }

    /**
     * CONFIG SET sent through the proxy: its slowlog parameters apply here too, when their values
     * are ones Redis accepts (slower-than from -1, max-len from 0). {@code req} is the whole
     * command, CONFIG SET included.
     */
    public void configSet(CommandArgs req) {
        for (int i = 2; i + 1 < req.size(); i += 2) {
            long value = req.parseLong(i + 1, Long.MIN_VALUE);
            if (req.equalsIgnoreCase(i, "SLOWLOG-LOG-SLOWER-THAN") && value >= -1) {
                slowerThanMicros = value;
            } else if (req.equalsIgnoreCase(i, "SLOWLOG-MAX-LEN") && value >= 0) {
                maxLen(value);
            }
        }
    }

    /** Redis's redactions: what AUTH, HELLO AUTH, MIGRATE AUTH/AUTH2, ACL SETUSER and CONFIG SET of a password carry. */
    static List<byte[]> redacted(List<byte[]> args) {
        String cmd = lower(args, 0);
        List<byte[]> out = new ArrayList<>(args);
        switch (cmd) {
            case "auth" -> redact(out, 1, out.size());
            case "hello" -> {
                for (int i = 2; i < out.size(); i++) {
                    if (lower(out, i).equals("auth")) {
                        redact(out, i + 1, i + 3);
                        i += 2;
                    }
                }
            }
            case "migrate" -> {
                for (int i = 6; i < out.size(); i++) {
                    String opt = lower(out, i);
                    if (opt.equals("auth")) {
                        redact(out, i + 1, i + 2);
                        i += 1;
                    } else if (opt.equals("auth2")) {
                        redact(out, i + 1, i + 3);
                        i += 2;
                    } else if (opt.equals("keys")) {
                        break;
                    }
                }
            }
            case "acl" -> {
                if (lower(out, 1).equals("setuser")) {
                    redact(out, 2, out.size());
                }
            }
            case "config" -> {
                if (lower(out, 1).equals("set")) {
                    for (int i = 2; i + 1 < out.size(); i += 2) {
                        if (SENSITIVE.contains(lower(out, i))) {
                            redact(out, i + 1, i + 2);
                        }
                    }
                }
            }
            default -> { }
        }
        return out;
    }

    private static void redact(List<byte[]> args, int from, int to) {
        for (int i = from; i < Math.min(to, args.size()); i++) {
            args.set(i, REDACTED);
        }
    }

    private static String lower(List<byte[]> args, int i) {
        return i < args.size() ? new String(args.get(i), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT) : "";
    }

    /** Redis's slowlogCreateEntry: 32 arguments at most, the last saying how many more; 128 bytes per argument. */
    static List<byte[]> trimmed(List<byte[]> args) {
        int argc = args.size();
        int kept = Math.min(argc, MAX_ARGS);
        List<byte[]> out = new ArrayList<>(kept);
        for (int j = 0; j < kept; j++) {
            byte[] a = args.get(j);
            if (kept != argc && j == kept - 1) {
                out.add(("... (" + (argc - kept + 1) + " more arguments)").getBytes(StandardCharsets.US_ASCII));
            } else if (a.length > MAX_STRING) {
                byte[] cut = new byte[MAX_STRING];
                System.arraycopy(a, 0, cut, 0, MAX_STRING);
                byte[] tail = ("... (" + (a.length - MAX_STRING) + " more bytes)").getBytes(StandardCharsets.US_ASCII);
                byte[] both = new byte[cut.length + tail.length];
                System.arraycopy(cut, 0, both, 0, cut.length);
                System.arraycopy(tail, 0, both, cut.length, tail.length);
                out.add(both);
            } else {
                out.add(a);
            }
        }
        return out;
    }
}
