package io.respproxy.proxy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) throws Exception {
        return new Main(Main.commands()).run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void usageOnStderrWithExit2() throws Exception {
        assertEquals(2, run());
        assertTrue(err().startsWith("usage: respproxy <command>"), err());
        assertEquals(2, run("--help"));
        assertEquals(2, run("frobnicate"));
        assertTrue(err().contains("respproxy: unknown command 'frobnicate'"), err());
        assertTrue(err().contains("  check "), err());
        assertEquals("", out());
    }

    @Test
    void versionFallsBackOutsideTheJar() throws Exception {
        assertEquals(0, run("version"));
        assertTrue(out().startsWith("respproxy "), out());
    }

    @Test
    void checkGoodAndBadFiles(@TempDir Path dir) throws Exception {
        assertEquals(0, run("check", "-c", "../conf/respproxy.conf"));
        assertEquals("configuration file ../conf/respproxy.conf test is successful\n", out());

        Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "respproxy.services.orders { mode = sentinel, listen.read = \"127.0.0.1:6379\" }\n");
        assertEquals(1, run("check", "--config", bad.toString()));
        assertTrue(err().contains("respproxy.services.orders.sentinel.master-name: missing (required when mode = sentinel)"),
                err());
        assertTrue(err().contains("configuration file " + bad + " test failed (2 problems)"), err());
    }

    @Test
    void checkReportsABadNatEntryWithItsPathAndLine(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("nat.conf");
        Files.writeString(bad, """
                respproxy.services.cache {
                  mode = static
                  listen.read = "127.0.0.1:8379"
                  static.servers = ["127.0.0.1:6379"]
                  nat {
                    "redis-0.redis.svc" = "127.0.0.1:7001"
                  }
                }
                """);
        assertEquals(1, run("check", "-c", bad.toString()));
        assertTrue(err().contains("respproxy.services.cache.nat.\"redis-0.redis.svc\": 'redis-0.redis.svc' is a host"
                + " but '127.0.0.1:7001' is host:port"), err());
        assertTrue(err().contains("nat.conf:6"), err());
    }

    @Test
    void checkRejectsStrayArguments() throws Exception {
        assertEquals(2, run("check", "-x"));
        assertTrue(err().contains("unexpected argument '-x'"), err());
    }

    @Test
    void commandsAreAPlainMap() throws Exception {
        Command hello = new Command() {
            @Override
            public String summary() {
                return "say hello";
            }

            @Override
            public int run(List<String> args, PrintStream o, PrintStream e) {
                o.println("hello " + args);
                return 0;
            }
        };
        assertEquals(0, new Main(Map.of("hello", hello)).run(List.of("hello", "a"),
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
        assertEquals("hello [a]\n", out());
    }
}
