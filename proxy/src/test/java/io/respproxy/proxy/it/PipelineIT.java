package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.ReplicatedRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;

/**
 * Long pipelines that mix replica reads, master writes and local commands: every reply matches
 * its request, in order.
 */
class PipelineIT {

    private static final int PRELOADED = 2000;
    private static final int COMMANDS = 10_000;

    private static ReplicatedRedis redis;
    private static ProxyFixture proxy;
    private static ClientResources resources;

    @BeforeAll
    static void start() throws Exception {
        redis = ProxyEnvironment.redis(2);
        proxy = ProxyFixture.start(redis);
        resources = ProxyEnvironment.lettuceResources();
        // Keys the replicas are known to have, so replica reads in the pipelines are deterministic.
        try (Jedis w = proxy.jedis(proxy.writePort())) {
            Pipeline p = w.pipelined();
            for (int i = 0; i < PRELOADED; i++) {
                p.set("pre:" + i, "p" + i);
            }
            p.sync();
        }
        for (RedisNode r : redis.replicas()) {
            try (Jedis d = ProxyFixture.direct(r)) {
                ProxyFixture.await(Duration.ofSeconds(10), "replica " + r + " to have every preloaded key",
                        () -> Objects.equals("p" + (PRELOADED - 1), d.get("pre:" + (PRELOADED - 1))));
            }
        }
    }

    @AfterAll
    static void stop() {
        ProxyEnvironment.close(resources, proxy, redis);
    }

    @Test
    void jedisTenThousandMixedCommandsOnTheAutoPortKeepOrder() {
        try (Jedis j = proxy.jedis(proxy.autoPort())) {
            Pipeline p = j.pipelined();
            List<Response<?>> responses = new ArrayList<>(COMMANDS);
            List<Object> expected = new ArrayList<>(COMMANDS);
            long counter = 0;
            for (int i = 0; i < COMMANDS; i++) {
                switch (i % 5) {
                    case 0 -> {
                        responses.add(p.set("jk:" + i, "v" + i));
                        expected.add("OK");
                    }
                    case 1 -> {
                        responses.add(p.get("pre:" + (i % PRELOADED)));
                        expected.add("p" + (i % PRELOADED));
                    }
                    case 2 -> {
                        responses.add(p.incr("jcounter"));
                        expected.add(++counter);
                    }
                    case 3 -> {
                        responses.add(p.sendCommand(Protocol.Command.ECHO, "e" + i));
                        expected.add("e" + i);
                    }
                    default -> {
                        responses.add(p.strlen("pre:" + (i % PRELOADED)));
                        expected.add((long) ("p" + (i % PRELOADED)).length());
                    }
                }
            }
            p.sync();
            for (int i = 0; i < COMMANDS; i++) {
                Object got = responses.get(i).get();
                if (got instanceof byte[] b) {
                    got = new String(b, java.nio.charset.StandardCharsets.UTF_8);
                }
                assertEquals(expected.get(i), got, "reply #" + i);
            }
            // The writes of the pipeline all reached the master.
            try (Jedis m = ProxyFixture.direct(redis.master())) {
                assertEquals(String.valueOf(counter), m.get("jcounter"));
                assertEquals("v" + (COMMANDS - 5), m.get("jk:" + (COMMANDS - 5)));
            }
        }
    }

    @Test
    void lettuceUnflushedBatchOfTenThousandOnTheReadPortKeepsOrder() throws Exception {
        RedisClient client = ProxyFixture.lettuce(resources, proxy.readPort(), true);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            RedisAsyncCommands<String, String> a = c.async();
            c.setAutoFlushCommands(false);
            List<RedisFuture<?>> futures = new ArrayList<>(COMMANDS);
            List<Object> expected = new ArrayList<>(COMMANDS);
            long counter = 0;
            for (int i = 0; i < COMMANDS; i++) {
                switch (i % 4) {
                    case 0 -> {
                        // A write on the read port goes to the master (read-port.writes = master).
                        futures.add(a.set("lk:" + i, "v" + i));
                        expected.add("OK");
                    }
                    case 1 -> {
                        futures.add(a.get("pre:" + (i % PRELOADED)));
                        expected.add("p" + (i % PRELOADED));
                    }
                    case 2 -> {
                        futures.add(a.incr("lcounter"));
                        expected.add(++counter);
                    }
                    default -> {
                        futures.add(a.exists("pre:" + (i % PRELOADED), "nope:" + i));
                        expected.add(1L);
                    }
                }
            }
            c.flushCommands();
            for (int i = 0; i < COMMANDS; i++) {
                assertEquals(expected.get(i), futures.get(i).get(10, TimeUnit.SECONDS), "reply #" + i);
            }
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Test
    void manyClientsPipeliningAtOnceEachSeeTheirOwnRepliesInOrder() throws Exception {
        int clients = 8;
        int perClient = 2000;
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int c = 0; c < clients; c++) {
            int id = c;
            int port = c % 2 == 0 ? proxy.autoPort() : proxy.writePort();
            Thread t = new Thread(() -> {
                try (Jedis j = proxy.jedis(port)) {
                    Pipeline p = j.pipelined();
                    List<Response<String>> sets = new ArrayList<>();
                    List<Response<String>> gets = new ArrayList<>();
                    for (int i = 0; i < perClient; i++) {
                        sets.add(p.set("mc:" + id + ":" + i, id + "/" + i));
                        gets.add(p.get("pre:" + ((i * 7 + id) % PRELOADED)));
                    }
                    p.sync();
                    for (int i = 0; i < perClient; i++) {
                        assertEquals("OK", sets.get(i).get());
                        assertEquals("p" + ((i * 7 + id) % PRELOADED), gets.get(i).get(), "client " + id + " #" + i);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(30_000);
        }
        if (!failures.isEmpty()) {
            AssertionErrorWithCauses.throwAll(failures);
        }
    }

    /** Fails with the first failure and the others suppressed. */
    static final class AssertionErrorWithCauses {
        static void throwAll(List<Throwable> failures) {
            AssertionError e = new AssertionError(failures.size() + " client(s) failed", failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }
}
