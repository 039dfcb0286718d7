package io.respproxy.testkit;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings every topology builder has.
 *
 * @param <B> the concrete builder, so chained calls keep its type
 */
public abstract class TopologyBuilder<B extends TopologyBuilder<B>> {

    private RedisBinary binary;
    private Credentials auth;
    private ExtraConfig extraConfig = ExtraConfig.NONE;
    private Duration startTimeout = Duration.ofSeconds(30);

    TopologyBuilder() {
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** Data nodes require this password ({@code requirepass}, and {@code masterauth} for replication). */
    public B password(String password) {
        return credentials(Credentials.password(password));
    }

    /** Data nodes require this ACL user ({@code user default off}; {@code masteruser}/{@code masterauth}). */
    public B aclUser(String user, String password) {
        return credentials(Credentials.aclUser(user, password));
    }

    public B credentials(Credentials credentials) {
        this.auth = credentials;
        return self();
    }

    /** Lines appended to each node's config, e.g. {@code replica-announce-ip}; see {@link ExtraConfig}. */
    public B extraConfig(ExtraConfig extra) {
        this.extraConfig = this.extraConfig.andThen(Objects.requireNonNull(extra));
        return self();
    }

    /** Run this binary instead of {@link RedisBinary#locate()}. */
    public B binary(RedisBinary binary) {
        this.binary = Objects.requireNonNull(binary);
        return self();
    }

    /** Bound for each node start and for each wait during start-up (default 30 s). */
    public B startTimeout(Duration timeout) {
        this.startTimeout = Objects.requireNonNull(timeout);
        return self();
    }

    TopologySettings settings() {
        return new TopologySettings(binary != null ? binary : RedisBinary.locate(), auth, extraConfig, startTimeout);
    }
}
