package io.respproxy.proxy.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A password from the configuration. {@link #toString()} is always {@code ***}, so a secret
 * never reaches a log line, an error message or a record's {@code toString()} by accident;
 * code that really needs the value calls {@link #reveal()}.
 */
public final class Secret {
    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /** Wraps {@code value} (not null). */
    public static Secret of(String value) {
        if (value == null) {
            throw new NullPointerException("secret value");
        }
        return new Secret(value);
    }

    /** The clear-text value: only for sending it to Redis (AUTH) or comparing it. */
    public String reveal() {
        return value;
    }

    /** The clear-text value as UTF-8 bytes, e.g. for a RESP AUTH argument. */
    public byte[] revealBytes() {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Constant-time comparison with a password a client sent, so the time AUTH takes does not
     * tell how many leading bytes were right.
     */
    public boolean matches(byte[] candidate) {
        return MessageDigest.isEqual(revealBytes(), candidate);
    }

    /** Constant-time comparison with a password a client sent (see {@link #matches(byte[])}). */
    public boolean matches(String candidate) {
        return candidate != null && matches(candidate.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret other && MessageDigest.isEqual(revealBytes(), other.revealBytes());
    }

    @Override
    public int hashCode() {
        // Deliberately constant: a hash of the value would leak information about it.
        return 0;
    }

    @Override
    public String toString() {
        return "***";
    }
}
