package io.respproxy.sentinel;

import io.respproxy.routing.NodeAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a service talks to its Sentinels.
 *
 * @param masterName   the name the Sentinels monitor the master under
 * @param sentinels    the configured Sentinels, as configured (the {@code nat} map applies)
 * @param user         the Sentinels' own ACL user, or null
 * @param password     the Sentinels' own password, or null (kept in memory only, never logged)
 * @param timeout      connect and command timeout for Sentinel queries
 * @param pollInterval the safety-net re-query of a settled deployment (events trigger one at once)
 */
public record SentinelSettings(String masterName, List<NodeAddress> sentinels, String user, char[] password,
                               Duration timeout, Duration pollInterval) {

    /** While unsettled (a failover, Sentinels disagreeing) the Sentinels are asked this often. */
    static final Duration UNSETTLED_POLL = Duration.ofMillis(100);

    public SentinelSettings {
        Objects.requireNonNull(masterName, "masterName");
        sentinels = List.copyOf(sentinels);
        if (sentinels.isEmpty()) {
            throw new IllegalArgumentException("at least one Sentinel");
        }
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(pollInterval, "pollInterval");
        password = password == null ? null : password.clone();
    }

    @Override
    public String toString() {
        // never the password
        return "SentinelSettings{" + masterName + ", " + sentinels + (password != null ? ", auth" : "") + "}";
    }
}
