package io.respproxy.proxy.config;

/**
 * One thing wrong with a configuration. Messages never contain a password.
 *
 * @param path    the config path, e.g. {@code respproxy.services.orders.listen.read}; empty for
 *                problems with the file as a whole (unreadable, syntax error)
 * @param message what is wrong, e.g. {@code missing (required when mode = sentinel)}
 * @param origin  where the offending value was written, e.g. {@code respproxy.conf:12}; empty
 *                when unknown (a missing setting has no origin)
 */
public record ConfigProblem(String path, String message, String origin) {

    public ConfigProblem {
        path = path == null ? "" : path;
        origin = origin == null ? "" : origin;
    }

    /** A problem without a known origin. */
    public ConfigProblem(String path, String message) {
        this(path, message, "");
    }

    /** {@code path: message (origin)}, the form {@code respproxy check} prints. */
    @Override
    public String toString() {
        String text = path.isEmpty() ? message : path + ": " + message;
        return origin.isEmpty() ? text : text + " (" + origin + ")";
    }
}
