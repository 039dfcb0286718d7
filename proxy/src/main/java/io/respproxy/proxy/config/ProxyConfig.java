package io.respproxy.proxy.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The whole validated configuration of one daemon ({@code respproxy { ... }}). Built only by
 * {@link ProxyConfigLoader}; immutable.
 *
 * @param services     the services by name, in the order they were written
 * @param adminListen  where the admin HTTP port listens; empty = disabled
 * @param drainTimeout on stop, how long clients get to finish their in-flight commands
 * @param eventLoops   data-path event loop threads (already resolved: never 0)
 * @param logLevel     root log level: TRACE, DEBUG, INFO, WARN, ERROR or OFF
 * @param maxMemoryClients the budget for every client's buffers together, bytes (0: none;
 *                     {@link #MEMORY_CLIENTS_AUTO}: two thirds of the JVM's direct memory)
 */
public record ProxyConfig(
        Map<String, ServiceConfig> services,
        Optional<HostPort> adminListen,
        Duration drainTimeout,
        int eventLoops,
        String logLevel,
        long maxMemoryClients) {

    /** {@code max-memory-clients = auto}. */
    public static final long MEMORY_CLIENTS_AUTO = -1;

    public ProxyConfig {
        services = Collections.unmodifiableMap(new LinkedHashMap<>(services));
    }
}
