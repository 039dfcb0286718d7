package io.respproxy.proxy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of configuration error, each reported with its full path. */
class ConfigErrorsTest {

    private static List<ConfigProblem> problems(String text) {
        return assertThrows(ConfigException.class, () -> ProxyConfigLoader.loadFromString(text)).problems();
    }

    /** "path: message" of every problem, without origins (line numbers). */
    private static List<String> messages(String text) {
        return problems(text).stream().map(p -> p.path() + ": " + p.message()).toList();
    }

    private static void assertOnly(String expected, String text) {
        assertEquals(List.of(expected), messages(text));
    }

    @Test
    void missingModeSettings() {
        assertOnly("respproxy.services.orders.sentinel.master-name: missing (required when mode = sentinel)", """
                respproxy.services.orders {
                  mode = sentinel
                  listen.read = "127.0.0.1:6379"
                  sentinel.nodes = ["127.0.0.1:26379"]
                }
                """);
        assertOnly("respproxy.services.orders.sentinel.nodes: empty (at least one Sentinel is required when mode = sentinel)", """
                respproxy.services.orders { mode = sentinel, listen.read = "127.0.0.1:6379", sentinel.master-name = m }
                """);
        assertOnly("respproxy.services.cache.static.servers: empty (at least one server is required when mode = static)",
                "respproxy.services.cache { mode = static, listen.read = \"127.0.0.1:6379\" }");
        assertOnly("respproxy.services.s.cluster.seeds: empty (at least one seed node is required when mode = cluster)",
                "respproxy.services.s { mode = cluster, listen.read = \"127.0.0.1:6379\", cluster.seeds = [] }");
        assertOnly("respproxy.services.cache.static: only used when mode = static (this service has mode = cluster)",
                ConfigTexts.staticService("mode = cluster, cluster.seeds = [\"127.0.0.1:7000\"]"));
    }

    @Test
    void badOrMissingMode() {
        assertOnly("respproxy.services.cache.mode: bad value 'master': expected static, sentinel, cluster",
                ConfigTexts.staticService("mode = master"));
        assertOnly("respproxy.services.x.mode: missing (expected static, sentinel, cluster)",
                "respproxy.services.x.listen.read = \"127.0.0.1:6379\"");
    }

    @Test
    void unknownSettingsAtAnyDepth() {
        // Problems are sorted by path.
        assertEquals(List.of(
                        "redis: unknown setting (everything goes under respproxy { ... })",
                        "respproxy.admin.port: unknown setting",
                        "respproxy.lgo-level: unknown setting",
                        "respproxy.services.cache.backend.reconnect-backoff.maximum: unknown setting",
                        "respproxy.services.cache.listen.write.port: unknown setting",
                        "respproxy.services.cache.listn: unknown setting",
                        "respproxy.services.cache.users[0].password: missing (set password or password-file)",
                        "respproxy.services.cache.users[0].pasword: unknown setting"),
                messages(ConfigTexts.staticService("""
                        listn.read = "127.0.0.1:1"
                        backend.reconnect-backoff.maximum = 1s
                        users = [ { name = a, pasword = x } ]
                        listen.write = { address = "127.0.0.1:8380", port = 1 }
                        """) + """
                        respproxy.admin.port = 1
                        respproxy.lgo-level = INFO
                        redis.port = 1
                        """));
    }

    @Test
    void wrongTypes() {
        List<String> m = messages(ConfigTexts.staticService("""
                backend.connect-timeout = soon
                limits.maxclients = many
                limits.max-bulk-length = huge
                read-port.fallback-to-master = maybe
                static.servers = "127.0.0.1:6379"
                backend = 5
                """));
        assertTrue(m.contains("respproxy.services.cache.limits.maxclients: expected an integer, got 'many'"), m.toString());
        assertTrue(m.contains("respproxy.services.cache.limits.max-bulk-length: expected a size such as 16kb or 512mb, got 'huge'"), m.toString());
        assertTrue(m.contains("respproxy.services.cache.read-port.fallback-to-master: expected true or false, got 'maybe'"), m.toString());
        assertTrue(m.contains("respproxy.services.cache.static.servers: expected a list, got '127.0.0.1:6379'"), m.toString());
        assertTrue(m.contains("respproxy.services.cache.backend: expected an object, got a number"), m.toString());
        assertOnly("respproxy.services.cache.backend.connect-timeout: expected a duration such as 500ms or 10s, got 'soon'",
                ConfigTexts.staticService("backend.connect-timeout = soon"));
    }

    @Test
    void outOfRangeValues() {
        List<String> m = messages(ConfigTexts.staticService("""
                limits.maxclients = 0
                health.timeout = -1s
                limits.pre-auth.max-array-length = 100000000
                backend.reconnect-backoff { min = 10s, max = 1s }
                limits.client-output-buffer { hard = 1mb, soft = 2mb }
                limits.client-output-buffer.pubsub { hard = 1mb, soft = 2mb }
                limits.max-pending-output = 10
                """));
        assertEquals(List.of(
                "respproxy.services.cache.backend.reconnect-backoff.max: must not be less than backend.reconnect-backoff.min",
                "respproxy.services.cache.health.timeout: must be at least 1ms",
                "respproxy.services.cache.limits.client-output-buffer.pubsub.soft: must not exceed limits.client-output-buffer.pubsub.hard",
                "respproxy.services.cache.limits.client-output-buffer.soft: must not exceed limits.client-output-buffer.hard",
                "respproxy.services.cache.limits.max-pending-output: must be between 1024 and 9223372036854775807 bytes, got 10",
                "respproxy.services.cache.limits.maxclients: must be between 1 and 10000000, got 0",
                "respproxy.services.cache.limits.pre-auth.max-array-length: must not exceed limits.max-array-length (1048576)"), m);
    }

    @Test
    void badAddresses() {
        assertEquals(List.of(
                "respproxy.admin.listen: bad address 'localhost': expected host:port",
                "respproxy.services.cache.listen.read: bad address '127.0.0.1': expected host:port",
                "respproxy.services.cache.listen.write: bad address '::1:8380': write IPv6 addresses in brackets, e.g. [::1]:6379",
                "respproxy.services.cache.nat.\"10.0.0.1:x\": bad address '10.0.0.1:x': bad port",
                "respproxy.services.cache.static.servers[1]: bad address '10.0.0.2:70000': port must be 1-65535"),
                messages(ConfigTexts.staticService("""
                        listen { read = "127.0.0.1", write = "::1:8380" }
                        static.servers = ["10.0.0.1:6379", "10.0.0.2:70000"]
                        nat { "10.0.0.1:x" = "10.0.0.2:1" }
                        """) + "respproxy.admin.listen = localhost"));
    }

    @Test
    void duplicateListenPortsAcrossServicesAndAdmin() {
        String text = ConfigTexts.staticService("") + """
                respproxy.services.other {
                  mode = static
                  listen { read = "0.0.0.0:8379", write = "127.0.0.2:9121" }
                  static.servers = ["127.0.0.1:6379"]
                }
                respproxy.admin.listen = "0.0.0.0:8380"
                """;
        assertEquals(List.of(
                "respproxy.admin.listen: 0.0.0.0:8380 conflicts with respproxy.services.cache.listen.write"
                        + " (127.0.0.1:8380): both use port 8380",
                "respproxy.services.other.listen.read: 0.0.0.0:8379 conflicts with respproxy.services.cache.listen.read"
                        + " (127.0.0.1:8379): both use port 8379"), messages(text));
        assertOnly("respproxy.services.cache.listen.write: 127.0.0.1:8379 conflicts with respproxy.services.cache.listen.read"
                + " (127.0.0.1:8379): both use port 8379", ConfigTexts.staticService("listen.write = \"127.0.0.1:8379\""));
    }

    @Test
    void servicesShapeAndListeners() {
        assertOnly("respproxy.services: no services configured (at least one is required)", "respproxy.log-level = INFO");
        assertOnly("respproxy.services.cache.listen: no listeners (set listen.read, listen.write or listen.auto)",
                ConfigTexts.staticService("listen { read = null, write = null }"));
        assertOnly("respproxy.services.cache.listen.read.role: bad value 'primary': expected read, write, auto",
                ConfigTexts.staticService("listen.read = { address = \"127.0.0.1:8379\", role = primary }"));
        assertOnly("respproxy.services.cache.listen.read.address: missing (\"host:port\")",
                ConfigTexts.staticService("listen.read = { role = read }"));
        assertOnly("respproxy.services.\"my.cache\": bad service name: use letters, digits, '-' and '_'",
                "respproxy.services { \"my.cache\" { mode = static } }");
    }

    @Test
    void users() {
        assertEquals(List.of(
                        "respproxy.services.cache.users[1].name: duplicate user 'a'",
                        "respproxy.services.cache.users[2].name: missing",
                        "respproxy.services.cache.users[3].listeners: unknown listener 'auto' (this service has: read, write)",
                        "respproxy.services.cache.users[4]: expected { name, password }, got 'b'"),
                messages(ConfigTexts.staticService("""
                        users = [
                          { name = a, password = "1" }
                          { name = a, password = "2" }
                          { password = "3" }
                          { name = c, password = "4", listeners = [read, auto] }
                          b
                        ]
                        """)));
        assertOnly("respproxy.services.cache.protected-mode: bad value 'maybe': expected auto, yes, no",
                ConfigTexts.staticService("protected-mode = maybe"));
        assertOnly("respproxy.services.cache.deny-commands[0]: bad entry 'CLUSTER SETSLOT NODE': expected NAME or \"NAME SUBCOMMAND\"",
                ConfigTexts.staticService("deny-commands = [\"CLUSTER SETSLOT NODE\"]"));
    }

    @Test
    void passwordsAndPasswordFiles(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("empty"), "\n");
        assertEquals(List.of(
                        "respproxy.services.cache.backend.password-file: both backend.password and backend.password-file are set: use one",
                        "respproxy.services.cache.sentinel: only used when mode = sentinel (this service has mode = static)",
                        "respproxy.services.cache.users[0].password-file: cannot read password file '" + dir.resolve("missing")
                                + "': no such file",
                        "respproxy.services.cache.users[1].password-file: password file '" + dir.resolve("empty") + "' is empty",
                        "respproxy.services.cache.users[2].password: empty (use null for no password)"),
                messages(ConfigTexts.staticService("""
                        backend { password = "x", password-file = "/etc/hosts" }
                        sentinel.password = "y"
                        users = [
                          { name = a, password-file = "%s" }
                          { name = b, password-file = "%s" }
                          { name = c, password = "" }
                        ]
                        """.formatted(dir.resolve("missing"), dir.resolve("empty")))));
    }

    @Test
    void userWithoutPassword() {
        assertOnly("respproxy.services.cache.backend.user: set, but backend.password (or password-file) is not",
                ConfigTexts.staticService("backend.user = proxy"));
        assertOnly("respproxy.services.s.sentinel.user: set, but sentinel.password (or password-file) is not", """
                respproxy.services.s {
                  mode = sentinel, listen.read = "127.0.0.1:6379"
                  sentinel { master-name = m, nodes = ["127.0.0.1:26379"], user = u }
                }
                """);
    }

    @Test
    void secretsNeverAppearInProblems(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pw");
        Files.writeString(file, "file-secret-3\n");
        String text = ConfigTexts.staticService("""
                backend { password = "inline-secret-1", password-file = "%s" }
                users = [ { name = "u", password = "inline-secret-2", password-file = "%s", listeners = [nope] } ]
                sentinel.password = 12345678
                """.formatted(file, file));
        ConfigException e = assertThrows(ConfigException.class,
                () -> ProxyConfigLoader.loadFromString(text, Map.of("X", "env-secret-4")));
        String all = e.getMessage() + e.problems();
        for (String secret : List.of("inline-secret-1", "inline-secret-2", "file-secret-3", "12345678")) {
            assertFalse(all.contains(secret), all);
        }
        assertTrue(all.contains("respproxy.services.cache.backend.password-file: both"), all);
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsOrigin(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, """
                respproxy {
                  services.orders {
                    mode = sentinel
                    listn.read = "0.0.0.0:6379"
                  }
                  log-level = LOUD
                }
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ProxyConfigLoader.load(conf, Map.of()));
        List<String> all = e.problems().stream().map(ConfigProblem::toString).toList();
        assertTrue(all.contains("respproxy.services.orders.listn: unknown setting (bad.conf:4)"), all.toString());
        assertTrue(all.contains("respproxy.services.orders.sentinel.master-name: missing (required when mode = sentinel)"), all.toString());
        assertTrue(all.contains("respproxy.log-level: bad value 'LOUD': expected trace, debug, info, warn, error, off (bad.conf:6)"),
                all.toString());
        assertEquals(5, all.size(), all.toString()); // + sentinel.nodes, + listen
    }

    @Test
    void unreadableFileAndSyntaxErrors(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope.conf");
        assertEquals(List.of(new ConfigProblem("", "cannot read configuration file " + missing + ": no such file")),
                assertThrows(ConfigException.class, () -> ProxyConfigLoader.load(missing)).problems());
        List<ConfigProblem> syntax = problems("respproxy { services {");
        assertEquals(1, syntax.size());
        assertEquals("", syntax.get(0).path());
        List<ConfigProblem> unresolved = problems(ConfigTexts.staticService("backend.password = ${NOT_SET_ANYWHERE}"));
        assertTrue(unresolved.get(0).message().contains("NOT_SET_ANYWHERE"), unresolved.toString());
    }
}
