package io.respproxy.proxy.backend;

import java.util.Arrays;

/**
 * The proxy's own credentials for data nodes, sent in each backend connection's handshake.
 * {@code toString} never shows the password.
 */
public final class BackendCredentials {

    public static final BackendCredentials NONE = new BackendCredentials(null, null);

    private final String user;
    private final byte[] password;

    public BackendCredentials(String user, byte[] password) {
        this.user = user;
        this.password = password == null ? null : password.clone();
    }

    public String user() {
        return user;
    }

    public boolean hasPassword() {
        return password != null;
    }

    /** A copy: callers write it into a buffer and drop it. */
    public byte[] password() {
        return password == null ? null : password.clone();
    }

    @Override
    public String toString() {
        return "BackendCredentials{user=" + user + ", password=" + (password == null ? "none" : "***") + "}";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BackendCredentials b && java.util.Objects.equals(user, b.user) && Arrays.equals(password, b.password);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hashCode(user) * 31 + Arrays.hashCode(password);
    }
}
