package io.respproxy.proxy.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The users a service's clients authenticate as. Passwords are kept only as SHA-256 digests and
 * compared with {@link MessageDigest#isEqual} (constant time), so neither timing nor a heap dump
 * gives them away. With no users configured, every client is the implicit {@code default} user
 * and access is governed by protected mode instead.
 */
public final class ClientUsers {

    /** One configured user. */
    public record User(String name, byte[] password, boolean readOnly, Set<String> listeners) {
        @Override
        public String toString() {
            return "User{" + name + ", password=***}";
        }
    }

    private record Entry(byte[] digest, UserGrant grant) {}

    private final Map<String, Entry> users = new HashMap<>();
    /** Compared against when the user does not exist, so unknown users take as long as wrong passwords. */
    private final byte[] decoy = sha256("respproxy-decoy".getBytes(StandardCharsets.UTF_8));

    public ClientUsers(List<User> configured) {
        for (User u : configured) {
            users.put(u.name(), new Entry(sha256(u.password()), new UserGrant(u.name(), u.readOnly(), u.listeners())));
        }
    }

    /** True when clients must authenticate (at least one user is configured). */
    public boolean required() {
        return !users.isEmpty();
    }

    /** Whether {@code name} is one of the service's users (CLIENT KILL USER's "No such user"). */
    public boolean exists(String name) {
        return users.containsKey(name);
    }

    /** The grant for an unauthenticated client when no users are configured. */
    public static UserGrant openAccess() {
        return new UserGrant("default", false, Set.of());
    }

    /** The grant for {@code user}/{@code password}, or null when the pair is wrong or the user is unknown. */
    public UserGrant authenticate(String user, byte[] password) {
        Entry e = users.get(user);
        byte[] given = sha256(password);
        boolean match = MessageDigest.isEqual(given, e == null ? decoy : e.digest());
        return e != null && match ? e.grant() : null;
    }

    private static byte[] sha256(byte[] in) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(in);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }
}
