/**
 * Real redis-server / Sentinel / Cluster topologies on 127.0.0.1 for integration tests, with fault
 * injection (kill, pause, restart, failover) and the redis-server binary locator.
 *
 * <p>Start at {@link io.respproxy.testkit.RedisTopologies} and {@link io.respproxy.testkit.RedisBinary}.
 * Nothing in this package depends on JUnit or Testcontainers (both optional): {@code respproxy demo}
 * uses it from production code. JUnit helpers live in {@code io.respproxy.testkit.junit}.
 */
package io.respproxy.testkit;
