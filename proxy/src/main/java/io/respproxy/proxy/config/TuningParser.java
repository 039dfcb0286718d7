package io.respproxy.proxy.config;

import java.time.Duration;

/** Reads a service's tuning sections: backend, limits, health, failover and writes. */
final class TuningParser {
    private static final Duration ONE_MS = Duration.ofMillis(1);
    /** ByteBuf indexes are ints. */
    private static final long MAX_FRAME = Integer.MAX_VALUE;

    private final ConfigReader in;

    TuningParser(ConfigReader in) {
        this.in = in;
    }

    BackendConfig backend() {
        Duration min = in.duration("backend.reconnect-backoff.min", ONE_MS);
        Duration max = in.duration("backend.reconnect-backoff.max", ONE_MS);
        if (max.compareTo(min) < 0) {
            in.problem("backend.reconnect-backoff.max", "must not be less than backend.reconnect-backoff.min");
        }
        java.util.Optional<String> user = in.optString("backend.user");
        java.util.Optional<Secret> password = in.secret("backend.password", "backend.password-file");
        requirePasswordWithUser(in, "backend", user, password);
        return new BackendConfig(
                user,
                password,
                in.duration("backend.connect-timeout", ONE_MS),
                in.duration("backend.command-timeout", ONE_MS),
                in.integer("backend.connections-per-node", 1, 64),
                in.duration("backend.script-set-aside-after", Duration.ZERO),
                new BackendConfig.Backoff(min, max),
                new BackendConfig.Dedicated(
                        in.integer("backend.dedicated.max-per-node", 0, 1_000_000),
                        in.duration("backend.dedicated.idle-timeout", Duration.ZERO),
                        in.integer("backend.dedicated.spares", 0, 64)));
    }

    /** AUTH takes a user only with a password: a user alone is a half-written setting. */
    static void requirePasswordWithUser(
            ConfigReader in, String section, java.util.Optional<String> user, java.util.Optional<Secret> password) {
        if (user.isPresent() && password.isEmpty() && !in.isSet(section + ".password")
                && !in.isSet(section + ".password-file")) {
            in.problem(section + ".user", "set, but " + section + ".password (or password-file) is not");
        }
    }

    LimitsConfig limits() {
        int bulk = (int) in.bytes("limits.max-bulk-length", 1, MAX_FRAME);
        int array = in.integer("limits.max-array-length", 1, Integer.MAX_VALUE);
        int inline = (int) in.bytes("limits.max-inline-length", 1, MAX_FRAME);
        LimitsConfig.PreAuth preAuth = new LimitsConfig.PreAuth(
                (int) notAbove("limits.pre-auth.max-bulk-length", in.bytes("limits.pre-auth.max-bulk-length", 1, MAX_FRAME),
                        "limits.max-bulk-length", bulk),
                (int) notAbove("limits.pre-auth.max-array-length", in.integer("limits.pre-auth.max-array-length", 1, Integer.MAX_VALUE),
                        "limits.max-array-length", array),
                (int) notAbove("limits.pre-auth.max-inline-length", in.bytes("limits.pre-auth.max-inline-length", 1, MAX_FRAME),
                        "limits.max-inline-length", inline));
        return new LimitsConfig(
                bulk,
                array,
                in.integer("limits.max-nesting-depth", 1, 1_000_000),
                inline,
                preAuth,
                in.integer("limits.maxclients", 1, 10_000_000),
                in.duration("limits.client-idle-timeout", Duration.ZERO),
                in.integer("limits.max-pipeline-in-flight", 1, 1_000_000),
                in.bytes("limits.max-pending-output", 1024, Long.MAX_VALUE),
                in.bytes("limits.max-pending-input", 0, Long.MAX_VALUE),
                in.bytes("limits.tcp-notsent-lowat", 0, Integer.MAX_VALUE),
                outputBuffer("limits.client-output-buffer"),
                outputBuffer("limits.client-output-buffer.pubsub"),
                outputBuffer("limits.client-output-buffer.replica"),
                in.integer("limits.tracking-max-keys", 0, Integer.MAX_VALUE),
                in.integer("slowlog.log-slower-than", -1, Integer.MAX_VALUE),
                in.integer("slowlog.max-len", 0, Integer.MAX_VALUE));
    }

    /** One client class's output limits: {@code hard}, {@code soft}, {@code soft-seconds} under {@code section}. */
    private LimitsConfig.OutputBuffer outputBuffer(String section) {
        long hard = in.bytes(section + ".hard", 0, Long.MAX_VALUE);
        long soft = in.bytes(section + ".soft", 0, Long.MAX_VALUE);
        if (hard > 0 && soft > hard) {
            in.problem(section + ".soft", "must not exceed " + section + ".hard");
        }
        return new LimitsConfig.OutputBuffer(hard, soft,
                Duration.ofSeconds(in.integer(section + ".soft-seconds", 0, 86_400)));
    }

    private long notAbove(String rel, long value, String otherRel, long other) {
        if (value > other) {
            in.problem(rel, "must not exceed " + otherRel + " (" + other + ")");
        }
        return value;
    }

    HealthConfig health() {
        return new HealthConfig(
                in.duration("health.interval", Duration.ofMillis(10)),
                in.duration("health.timeout", ONE_MS),
                in.integer("health.rise", 1, 100),
                in.integer("health.fall", 1, 100),
                in.duration("health.max-replica-lag", Duration.ZERO),
                in.bytes("health.max-replica-lag-bytes", 0, Long.MAX_VALUE),
                in.duration("health.role-check-interval", Duration.ofMillis(10)));
    }

    FailoverConfig failover() {
        return new FailoverConfig(
                in.duration("failover.hold-timeout", Duration.ZERO),
                in.integer("failover.hold-max-commands", 0, 10_000_000));
    }

    WritesConfig writes() {
        boolean replicated = in.choice("writes.acknowledge", java.util.List.of("async", "replicated"), "missing")
                .orElse("async").equals("replicated");
        int minReplicas = 1;
        var v = in.value("writes.min-replicas");
        String text = v.isPresent() && v.get().unwrapped() instanceof String t ? t.trim() : null;
        if ("majority".equalsIgnoreCase(text)) {
            minReplicas = io.respproxy.routing.route.RoutingRules.MAJORITY;
        } else if (text != null && !text.matches("\\d+")) {
            in.problem("writes.min-replicas", "bad value " + ConfigReader.show(v.get())
                    + ": expected a number of replicas (1 or more) or majority");
        } else {
            minReplicas = in.integer("writes.min-replicas", 1, 1000); // numeric strings too (${?ENV})
        }
        Duration timeout = in.duration("writes.replica-timeout", ONE_MS);
        Duration commandTimeout;
        try {
            commandTimeout = in.config().getDuration("backend.command-timeout");
        } catch (com.typesafe.config.ConfigException e) {
            commandTimeout = null; // reported with the backend section
        }
        // Only where WAITs are sent: under async the setting is unused, whatever the command timeout.
        if (replicated && commandTimeout != null && timeout.compareTo(commandTimeout) >= 0) {
            in.problem("writes.replica-timeout", "must be less than backend.command-timeout ("
                    + in.config().getValue("backend.command-timeout").unwrapped()
                    + "): a WAIT that long would count as a stalled node");
        }
        return new WritesConfig(replicated, minReplicas, timeout);
    }
}
