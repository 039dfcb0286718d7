package io.respproxy.testkit;

import static io.respproxy.testkit.junit.TopologyAssertions.assertNoProcessLeft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class StandaloneIT {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneIT.class);

    @Test
    void startsOnLoopbackAndServesCommands() {
        long t0 = System.nanoTime();
        RedisStandalone redis = RedisTopologies.standalone().start();
        try (redis) {
            LOG.info("standalone up in {} ms on {}", Clients.millisSince(t0), redis.endpoint());
            assertEquals("127.0.0.1", redis.endpoint().host());
            assertEquals("OK", Clients.with(redis.redisUri(), c -> c.set("k", "v")));
            assertEquals("v", Clients.with(redis.redisUri(), c -> c.get("k")));
            assertEquals(NodeRole.MASTER, redis.node().role());
            assertEquals("127.0.0.1", Clients.with(redis.redisUri(), c -> c.configGet("bind")).get("bind"));
            assertTrue(Files.isRegularFile(redis.node().logFile()));
            assertTrue(redis.node().pid() > 0);
        }
        assertNoProcessLeft(redis);
    }

    @Test
    void passwordRejectsUnauthenticatedClients() {
        RedisStandalone redis = RedisTopologies.standalone().password("s3cret").start();
        try (redis) {
            assertEquals("-NOAUTH Authentication required.", Clients.anonymousPing(redis.node()));
            assertEquals("PONG", Clients.with(redis.redisUri(), c -> c.ping()));
        }
        assertNoProcessLeft(redis);
    }

    @Test
    void aclUserRejectsAnonymousAndWrongPassword() {
        RedisStandalone redis = RedisTopologies.standalone().aclUser("app", "s3cret").start();
        try (redis) {
            assertEquals("-NOAUTH Authentication required.", Clients.anonymousPing(redis.node()));
            RedisURI wrong = RedisURI.builder().withHost(redis.node().host()).withPort(redis.node().port())
                    .withAuthentication("app", "nope").build();
            RedisConnectionException w = assertThrows(RedisConnectionException.class,
                    () -> Clients.with(wrong, c -> c.ping()));
            assertTrue(String.valueOf(w.getCause()).contains("WRONGPASS"), String.valueOf(w.getCause()));
            assertEquals("app", Clients.with(redis.redisUri(), c -> c.aclWhoami()));
        }
        assertNoProcessLeft(redis);
    }

    @Test
    void pauseMakesTheNodeSilentAndResumeBringsItBack() {
        try (RedisStandalone redis = RedisTopologies.standalone().start()) {
            RedisNode node = redis.node();
            node.pause();
            long t0 = System.nanoTime();
            assertFalse(node.ping(Duration.ofMillis(500)), "a SIGSTOPped node must not answer");
            LOG.info("paused node gave up after {} ms", Clients.millisSince(t0));
            assertTrue(node.isRunning());
            node.resume();
            assertTrue(node.ping(Duration.ofSeconds(2)), "SIGCONT must bring it back");
        }
    }

    @Test
    void restartAfterKillComesBackOnTheSamePortWithItsDataDir() {
        RedisStandalone redis = RedisTopologies.standalone().password("pw").start();
        try (redis) {
            RedisNode node = redis.node();
            int port = node.port();
            long firstPid = node.pid();
            Clients.with(redis.redisUri(), c -> c.set("survives", "restart"));
            Clients.with(redis.redisUri(), c -> c.save()); // save "" disables snapshots; SAVE writes dump.rdb anyway

            node.kill();
            assertFalse(node.isRunning());
            assertFalse(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false));
            assertFalse(node.ping(Duration.ofMillis(500)));

            long t0 = System.nanoTime();
            node.restart();
            LOG.info("restart took {} ms", Clients.millisSince(t0));
            assertEquals(port, node.port());
            assertNotEquals(firstPid, node.pid());
            assertEquals("restart", Clients.with(redis.redisUri(), c -> c.get("survives")));
            assertEquals(2, node.startedPids().size());
        }
        assertNoProcessLeft(redis);
    }
}
