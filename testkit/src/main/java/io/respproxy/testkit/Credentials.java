package io.respproxy.testkit;

import java.util.Objects;

/**
 * How clients authenticate to a node: a password for the {@code default} user ({@code requirepass}),
 * or an ACL user with a password (the {@code default} user is then switched off, so unauthenticated
 * clients are rejected either way).
 *
 * <p>{@link #toString()} never shows the password.
 */
public record Credentials(String user, String password) {

    public Credentials {
        Objects.requireNonNull(password, "password");
        if (user != null && (user.isBlank() || user.chars().anyMatch(Character::isWhitespace))) {
            throw new IllegalArgumentException("ACL user name must be a single word");
        }
        if (password.isEmpty() || password.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("password must be non-empty, without whitespace");
        }
    }

    /** {@code requirepass PASSWORD}: AUTH with the password alone. */
    public static Credentials password(String password) {
        return new Credentials(null, password);
    }

    /** {@code user NAME on >PASSWORD ~* &* +@all}, with {@code user default off}. */
    public static Credentials aclUser(String user, String password) {
        return new Credentials(Objects.requireNonNull(user, "user"), password);
    }

    /** True for an ACL user, false for a {@code requirepass} password. */
    public boolean isAclUser() {
        return user != null;
    }

    @Override
    public String toString() {
        return isAclUser() ? "Credentials[user=" + user + ", password=***]" : "Credentials[password=***]";
    }
}
