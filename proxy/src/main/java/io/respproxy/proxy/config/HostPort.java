package io.respproxy.proxy.config;

import java.util.regex.Pattern;

/**
 * A "host:port" address as written in the configuration. IPv6 literals are written in brackets
 * ({@code [::1]:6379}); {@link #host()} holds them without the brackets. Names are not resolved
 * here: validation must not depend on DNS.
 *
 * @param host a host name, an IPv4 literal, or an IPv6 literal without brackets
 * @param port 1-65535
 */
public record HostPort(String host, int port) {
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[A-Za-z0-9_.-]+)?");

    public HostPort {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /**
     * Parses "host:port" or "[v6]:port".
     *
     * @throws IllegalArgumentException with a message fit for a {@link ConfigProblem}
     */
    public static HostPort parse(String text) {
        String s = text.trim();
        String host;
        String portText;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw bad(text, "expected [IPv6]:port");
            }
            host = s.substring(1, close);
            portText = s.substring(close + 2);
            if (!host.contains(":") || !IPV6.matcher(host).matches()) {
                throw bad(text, "not an IPv6 address in brackets");
            }
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0) {
                throw bad(text, "expected host:port");
            }
            host = s.substring(0, colon);
            portText = s.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw bad(text, "write IPv6 addresses in brackets, e.g. [::1]:6379");
            }
            if (!HOST_NAME.matcher(host).matches()) {
                throw bad(text, host.isEmpty() ? "missing host" : "bad host name");
            }
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw bad(text, "bad port");
        }
        if (port < 1 || port > 65535) {
            throw bad(text, "port must be 1-65535");
        }
        return new HostPort(host, port);
    }

    /**
     * Parses a host without port: a host name, an IPv4 literal, or an IPv6 literal in brackets
     * ({@code [fd00::1]}); the IPv6 host is returned without the brackets.
     *
     * @throws IllegalArgumentException with a message fit for a {@link ConfigProblem}
     */
    public static String parseHost(String text) {
        String s = text.trim();
        if (s.startsWith("[")) {
            String host = s.endsWith("]") ? s.substring(1, s.length() - 1) : "";
            if (!host.contains(":") || !IPV6.matcher(host).matches()) {
                throw badHost(text, "not an IPv6 address in brackets");
            }
            return host;
        }
        if (s.indexOf(':') >= 0) {
            throw badHost(text, "write IPv6 addresses in brackets, e.g. [fd00::1]");
        }
        if (!HOST_NAME.matcher(s).matches()) {
            throw badHost(text, s.isEmpty() ? "missing host" : "bad host name");
        }
        return s;
    }

    /**
     * True when {@code text} is written with a port ({@code host:port}, {@code [v6]:port}), false for
     * a bare host ({@code host}, {@code [v6]}). Only the form: either may still be malformed. A bare
     * IPv6 literal (several colons, no brackets) counts as written with a port, whose parse then says
     * to use brackets.
     */
    public static boolean hasPort(String text) {
        String s = text.trim();
        return s.startsWith("[") ? !s.endsWith("]") : s.indexOf(':') >= 0;
    }

    private static IllegalArgumentException badHost(String text, String why) {
        return new IllegalArgumentException("bad host '" + text + "': " + why);
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("bad address '" + text + "': " + why);
    }

    /** True for the any-address hosts (0.0.0.0, ::), which overlap every host on the same port. */
    public boolean isWildcard() {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
    }

    /** True when two listeners on these addresses could not both bind. */
    public boolean overlaps(HostPort other) {
        return port == other.port && (isWildcard() || other.isWildcard() || host.equalsIgnoreCase(other.host));
    }

    /** "host:port", with IPv6 literals in brackets: the form it was written in. */
    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
