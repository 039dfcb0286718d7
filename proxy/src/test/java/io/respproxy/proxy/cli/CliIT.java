package io.respproxy.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar (target/respproxy.jar) run as a real process, as an operator would. */
class CliIT {
    private static final Path JAR = Path.of("target/respproxy.jar");

    /** Output (stdout and stderr together) and exit status of a finished process. */
    private record Result(int status, String output) {}

    private static ProcessBuilder java(Path log, String... args) {
        return java(log, List.of(), args);
    }

    private static ProcessBuilder java(Path log, List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove("ORDERS_REDIS_PASSWORD");
        return log == null ? pb : pb.redirectOutput(log.toFile());
    }

    private static Result run(String... args) throws Exception {
        Process p = java(null, args).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "process did not exit");
        return new Result(p.exitValue(), output);
    }

    @Test
    void checkReportsEveryProblemWithItsPathAndExits1(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, """
                respproxy.services.orders {
                  mode = sentinel
                  listen.read = "127.0.0.1:6379"
                  sentinel.nodes = ["127.0.0.1:26379"]
                  backend.password = "do-not-print-me"
                  listn.write = "127.0.0.1:6380"
                }
                """);
        Result r = run("check", "-c", bad.toString());
        assertEquals(1, r.status(), r.output());
        assertTrue(r.output().contains("respproxy.services.orders.sentinel.master-name: missing (required when mode = sentinel)"),
                r.output());
        assertTrue(r.output().contains("respproxy.services.orders.listn: unknown setting (bad.conf:6)"), r.output());
        assertTrue(r.output().contains("test failed"), r.output());
        assertFalse(r.output().contains("do-not-print-me"), r.output());
    }

    @Test
    void checkAcceptsTheExampleConfiguration() throws Exception {
        Result r = run("check", "-c", "../conf/respproxy.conf");
        assertEquals(0, r.status(), r.output());
        assertEquals("configuration file ../conf/respproxy.conf test is successful", r.output().trim());
    }

    /**
     * The packaged respproxy.conf takes max-memory-clients from RESPPROXY_MAX_MEMORY_CLIENTS (set in
     * /etc/default/respproxy, from which the launcher sizes the direct memory); a JVM whose direct
     * memory cannot hold that budget and half as much again is refused before anything starts.
     */
    @Test
    void runRefusesAClientBudgetItsDirectMemoryCannotHold() throws Exception {
        ProcessBuilder pb = java(null, List.of("-XX:MaxDirectMemorySize=64m"),
                "run", "-c", "../packaging/deb/src/deb/etc/respproxy/respproxy.conf");
        pb.environment().put("RESPPROXY_MAX_MEMORY_CLIENTS", "64mb");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "process did not exit");
        assertEquals(1, p.exitValue(), output);
        assertEquals("respproxy: not started: respproxy.max-memory-clients = 64 MiB needs 96 MiB of direct memory"
                + " (the budget and a half for backend buffers and the allocator), and this JVM has 64 MiB: raise"
                + " -XX:MaxDirectMemorySize or lower max-memory-clients (the .deb's launcher sizes both from"
                + " RESPPROXY_MAX_MEMORY_CLIENTS in /etc/default/respproxy)", output.strip());
    }

    @Test
    void versionAndUsage() throws Exception {
        Result version = run("version");
        assertEquals(0, version.status(), version.output());
        assertTrue(version.output().matches("respproxy \\d+\\.\\d+\\.\\d+.*\\n"), version.output());
        Result usage = run("--help");
        assertEquals(2, usage.status());
        assertTrue(usage.output().startsWith("usage: respproxy"), usage.output());
    }

    @Test
    void runServesTheAdminPortUntilTerminated(@TempDir Path dir) throws Exception {
        int admin = freePort();
        Path conf = dir.resolve("respproxy.conf");
        Files.writeString(conf, """
                respproxy.services.cache {
                  mode = static
                  listen.read = "127.0.0.1:%d"
                  static.servers = ["127.0.0.1:6379"]
                  backend.password = "do-not-log-me"
                }
                respproxy.admin.listen = "127.0.0.1:%d"
                """.formatted(freePort(), admin));
        Path log = dir.resolve("out.log");
        Process p = java(log, "run", "-c", conf.toString()).start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> health = getWhenUp(http, URI.create("http://127.0.0.1:" + admin + "/healthz"), p);
            assertEquals(200, health.statusCode());
            assertEquals("ok\n", health.body());
            HttpResponse<String> metrics = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("respproxy_uptime_seconds"), metrics.body());
        } finally {
            // SIGTERM to exactly the process we started, then wait for the graceful stop.
            ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroy);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "respproxy did not stop on SIGTERM");
        }
        String output = Files.readString(log);
        assertTrue(output.contains("service cache: mode=static"), output);
        assertTrue(output.contains("stopped"), output);
        assertFalse(output.contains("do-not-log-me"), output);
    }

    private static HttpResponse<String> getWhenUp(HttpClient http, URI uri, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("admin port never came up (alive=" + p.isAlive() + ")", e);
                }
                Thread.sleep(100);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
