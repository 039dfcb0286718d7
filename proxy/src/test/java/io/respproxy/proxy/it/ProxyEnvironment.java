package io.respproxy.proxy.it;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.respproxy.testkit.RedisTopologies;
import io.respproxy.testkit.RedisTopology;
import io.respproxy.testkit.ReplicatedRedis;
import java.util.concurrent.TimeUnit;

/**
 * What an IT class shares across its tests: a password-protected master with replicas, the proxy
 * in front of it, and Lettuce client resources; closed in reverse order, whatever failed to start.
 */
final class ProxyEnvironment {

    private ProxyEnvironment() {}

    /** A master with {@code replicas} replicas (backend password {@link ProxyFixture#BACKEND_PASSWORD}). */
    static ReplicatedRedis redis(int replicas) {
        return RedisTopologies.replicated().replicas(replicas).password(ProxyFixture.BACKEND_PASSWORD).start();
    }

    /** Small Lettuce resources: the tests create many clients on them and shut them down after. */
    static ClientResources lettuceResources() {
        return DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
    }

    /** Closes whatever is not null, clients first: for {@code @AfterAll}; any topology, a cluster too. */
    static void close(ClientResources resources, ProxyFixture proxy, RedisTopology redis) {
        try {
            if (resources != null) {
                resources.shutdown(0, 2, TimeUnit.SECONDS);
            }
        } finally {
            try {
                if (proxy != null) {
                    proxy.close();
                }
            } finally {
                if (redis != null) {
                    redis.close();
                }
            }
        }
    }
}
