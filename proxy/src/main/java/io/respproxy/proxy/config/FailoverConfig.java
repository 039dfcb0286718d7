package io.respproxy.proxy.config;

import java.time.Duration;

/**
 * The hold queue: while a shard has no writable master, its commands wait instead of failing.
 *
 * @param holdTimeout     a command held longer than this gets {@code -TRYAGAIN}
 * @param holdMaxCommands most commands held at once per service; more get {@code -TRYAGAIN}
 */
public record FailoverConfig(Duration holdTimeout, int holdMaxCommands) {}
