package io.respproxy.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.testkit.RedisStandalone;
import io.respproxy.testkit.RedisTopologies;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * {@code systemctl reload} and {@code systemctl stop} as an operator sees them: the packaged jar
 * as a real process, SIGHUP after editing its file, SIGTERM at the end.
 */
class ReloadIT {
    private static final Path JAR = Path.of("target/respproxy.jar");

    @Test
    void sighupAppliesTheFileWithoutDroppingClientsAndSigtermDrainsAndExitsZero(@TempDir Path dir) throws Exception {
        try (RedisStandalone redis = RedisTopologies.standalone().password("backend-pw").start()) {
            int port = freePort();
            int newPort = freePort();
            Path conf = dir.resolve("respproxy.conf");
            String base = """
                    respproxy.services.cache {
                      mode = static
                      listen.write = "127.0.0.1:%d"
                      static.servers = ["127.0.0.1:%d"]
                      backend.password = "backend-pw"
                      users = [ { name = default, password = "%s" } ]
                      protected-mode = no
                      health.interval = %s
                      %s
                    }
                    """;
            Files.writeString(conf, base.formatted(port, redis.node().port(), "old-pw", "1s", ""));
            Path log = dir.resolve("out.log");
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", JAR.toString(), "run", "-c", conf.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try (Jedis client = connectWhenUp(port, p)) {
                client.auth("old-pw");
                assertEquals("OK", client.set("k", "v"));
                assertEquals(2L, client.dbSize()); // k, and the key the readiness check wrote

                // Writes keep going through every reload, the one that rebuilds the topology source too.
                AtomicBoolean writing = new AtomicBoolean(true);
                AtomicLong errors = new AtomicLong();
                AtomicLong acked = new AtomicLong();
                Thread writer = new Thread(() -> {
                    try (Jedis w = new Jedis("127.0.0.1", port, 10_000)) {
                        w.auth("old-pw");
                        while (writing.get()) {
                            try {
                                w.incr("counter");
                                acked.incrementAndGet();
                            } catch (RuntimeException e) {
                                errors.incrementAndGet();
                            }
                        }
                    }
                });
                writer.start();

                // New password, DBSIZE denied, health probes faster (a new topology source), another listener port.
                Files.writeString(conf, base.formatted(newPort, redis.node().port(), "new-pw", "200ms",
                        "deny-commands = [SHUTDOWN, DBSIZE]"));
                hangUp(p);
                awaitLog(log, "reload of " + conf + " applied", p);
                awaitLog(log, "the new topology source took over", p);
                String out = Files.readString(log);
                assertTrue(out.contains("service 'cache': listeners needs a restart"), out);

                assertEquals("PONG", client.ping(), "the connection stayed open");
                JedisDataException denied = assertThrows(JedisDataException.class, client::dbSize);
                assertEquals("ERR command 'dbsize' is disabled by the proxy (deny-commands)", denied.getMessage());
                try (Jedis fresh = new Jedis("127.0.0.1", port, 10_000)) {
                    assertThrows(JedisDataException.class, () -> fresh.auth("old-pw"));
                    assertEquals("OK", fresh.auth("new-pw"));
                }

                // An invalid file is rejected with its problems logged; the running configuration stays.
                Files.writeString(conf, "respproxy.services.cache { mode = static, listen.write = nonsense }\n");
                hangUp(p);
                awaitLog(log, "reload rejected", p);
                assertThrows(JedisDataException.class, client::dbSize, "still denied");
                assertEquals("PONG", client.ping());

                Thread.sleep(300);
                writing.set(false);
                writer.join(10_000);
                assertEquals(0, errors.get(), "no write failed across the reloads");
                assertTrue(acked.get() > 0);
                assertEquals(String.valueOf(acked.get()), client.get("counter"), "every acknowledged INCR applied");
            } finally {
                // SIGTERM to exactly the process we started: it drains, stops and exits 0.
                ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroy);
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "respproxy did not stop on SIGTERM");
            }
            assertEquals(0, p.exitValue(), Files.readString(log));
            String output = Files.readString(log);
            assertTrue(output.contains("stopping on SIGTERM"), output);
            assertTrue(output.contains("stopped"), output);
            assertFalse(output.contains("new-pw") || output.contains("old-pw") || output.contains("backend-pw"),
                    "no secret in the log: " + output);
        }
    }

    private static void hangUp(Process p) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, kill.exitValue());
    }

    private static void awaitLog(Path log, String text, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.readString(log).contains(text)) {
            assertTrue(p.isAlive(), "respproxy exited: " + Files.readString(log));
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' in the log:\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }

    private static Jedis connectWhenUp(int port, Process p) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<String> failures = new ArrayList<>();
        while (true) {
            Jedis j = null;
            try {
                j = new Jedis("127.0.0.1", port, 10_000);
                j.auth("old-pw");
                if ("OK".equals(j.set("ready", "1"))) {
                    return j;
                }
            } catch (RuntimeException e) {
                failures.add(e.getMessage());
            }
            if (j != null) {
                j.close();
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the proxy never served (alive=" + p.isAlive() + "): " + failures);
            }
            Thread.sleep(100);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
