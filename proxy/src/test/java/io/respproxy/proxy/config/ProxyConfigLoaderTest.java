package io.respproxy.proxy.config;

import io.respproxy.routing.route.ListenerRole;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyConfigLoaderTest {

    @Test
    void defaultsComeFromReferenceConf() throws Exception {
        ProxyConfig config = ProxyConfigLoader.loadFromString(ConfigTexts.staticService(""));
        assertEquals(Optional.of(new HostPort("127.0.0.1", 9121)), config.adminListen());
        assertEquals(Duration.ofSeconds(10), config.drainTimeout());
        assertEquals(Runtime.getRuntime().availableProcessors(), config.eventLoops());
        assertEquals("INFO", config.logLevel());
        assertEquals(ProxyConfig.MEMORY_CLIENTS_AUTO, config.maxMemoryClients());

        ServiceConfig s = config.services().get("cache");
        assertEquals(Mode.STATIC, s.mode());
        assertEquals(List.of(new HostPort("127.0.0.1", 6379), new HostPort("127.0.0.1", 6380)),
                ((TopologyConfig.Static) s.topology()).servers());
        assertEquals(List.of(
                new ListenerConfig("read", new HostPort("127.0.0.1", 8379), ListenerRole.READ),
                new ListenerConfig("write", new HostPort("127.0.0.1", 8380), ListenerRole.WRITE)), s.listeners());
        assertEquals(new ReadPortConfig(true, true), s.readPort());
        assertEquals(List.of(), s.users());
        assertEquals(ProtectedMode.AUTO, s.protectedMode());

        BackendConfig b = s.backend();
        assertEquals(Optional.empty(), b.user());
        assertEquals(Optional.empty(), b.password());
        assertEquals(Duration.ofSeconds(2), b.connectTimeout());
        assertEquals(Duration.ofSeconds(5), b.commandTimeout());
        assertEquals(1, b.connectionsPerNode());
        assertEquals(new BackendConfig.Backoff(Duration.ofMillis(100), Duration.ofSeconds(5)), b.reconnectBackoff());
        assertEquals(new BackendConfig.Dedicated(256, Duration.ofSeconds(60), 1), b.dedicated());

        LimitsConfig l = s.limits();
        assertEquals(512 * 1024 * 1024, l.maxBulkLength());
        assertEquals(1048576, l.maxArrayLength());
        assertEquals(10_000, l.maxNestingDepth());
        assertEquals(64 * 1024, l.maxInlineLength());
        assertEquals(new LimitsConfig.PreAuth(16 * 1024, 32, 16 * 1024), l.preAuth());
        assertEquals(10000, l.maxClients());
        assertEquals(Duration.ZERO, l.clientIdleTimeout());
        assertEquals(1024, l.maxPipelineInFlight());
        assertEquals(256L << 10, l.maxPendingOutput());
        assertEquals(16L << 20, l.maxPendingInput());
        assertEquals(new LimitsConfig.OutputBuffer(256L << 20, 64L << 20, Duration.ofSeconds(60)), l.clientOutputBuffer());
        // Redis's client-output-buffer-limit defaults: pubsub 32mb 8mb 60, replica 256mb 64mb 60.
        assertEquals(new LimitsConfig.OutputBuffer(32L << 20, 8L << 20, Duration.ofSeconds(60)), l.pubsubOutputBuffer());
        assertEquals(new LimitsConfig.OutputBuffer(256L << 20, 64L << 20, Duration.ofSeconds(60)), l.replicaOutputBuffer());

        assertEquals(new HealthConfig(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 3, Duration.ofSeconds(10), 0,
                Duration.ofMillis(100)),
                s.health());
        assertEquals(new FailoverConfig(Duration.ofSeconds(10), 10000), s.failover());
        assertEquals(new WritesConfig(false, 1, Duration.ofSeconds(1)), s.writes());
        assertTrue(s.denies("SHUTDOWN", null));
        assertTrue(s.denies("CONFIG", "SET"));
        assertFalse(s.denies("CONFIG", "GET"));
        assertTrue(s.denies("CLUSTER", "ADDSLOTS"));
        assertTrue(s.denies("ACL", "SETUSER"));
        assertFalse(s.denies("GET", null));
        assertTrue(s.nat().isEmpty());
    }

    @Test
    void outputLimitsByClassAndTheClientBudget() throws Exception {
        ProxyConfig config = ProxyConfigLoader.loadFromString(ConfigTexts.staticService("""
                limits.max-pending-output = 64kb
                limits.client-output-buffer { hard = 0, soft = 0, soft-seconds = 0 }
                limits.client-output-buffer.pubsub { hard = 4mb, soft = 1mb, soft-seconds = 5 }
                """) + "respproxy.max-memory-clients = 64mb\n");
        assertEquals(64L << 20, config.maxMemoryClients());
        LimitsConfig l = config.services().get("cache").limits();
        assertEquals(64L << 10, l.maxPendingOutput());
        assertEquals(16L << 10, l.tcpNotsentLowat(), "the kernel keeps 16 KB unsent unless told otherwise");
        assertEquals(new LimitsConfig.OutputBuffer(0, 0, Duration.ZERO), l.clientOutputBuffer());
        assertEquals(new LimitsConfig.OutputBuffer(4L << 20, 1L << 20, Duration.ofSeconds(5)), l.pubsubOutputBuffer());
        // Classes not written keep Redis's defaults.
        assertEquals(new LimitsConfig.OutputBuffer(256L << 20, 64L << 20, Duration.ofSeconds(60)), l.replicaOutputBuffer());
    }

    @Test
    void sentinelAndClusterServices() throws Exception {
        ProxyConfig config = ProxyConfigLoader.loadFromString("""
                respproxy.services {
                  orders {
                    mode = sentinel
                    listen { read = "0.0.0.0:6379", write = "0.0.0.0:6380" }
                    sentinel {
                      master-name = mymaster
                      nodes = ["10.0.0.1:26379", "[fd00::3]:26379"]
                      user = sentinel-user
                      password = "s3cret"
                    }
                  }
                  sessions {
                    mode = cluster
                    listen.auto = "127.0.0.1:7379"
                    cluster.seeds = ["10.0.0.1:7000"]
                    nat { "10.244.0.221:6379" = "192.0.2.10:7001" }
                  }
                }
                respproxy.admin.listen = ""
                """);
        assertEquals(List.of("orders", "sessions"), List.copyOf(config.services().keySet()));
        assertEquals(Optional.empty(), config.adminListen());
        TopologyConfig.Sentinel sentinel = assertInstanceOf(TopologyConfig.Sentinel.class,
                config.services().get("orders").topology());
        assertEquals("mymaster", sentinel.masterName());
        assertEquals(List.of(new HostPort("10.0.0.1", 26379), new HostPort("fd00::3", 26379)), sentinel.nodes());
        assertEquals(Optional.of("sentinel-user"), sentinel.user());
        assertEquals("s3cret", sentinel.password().orElseThrow().reveal());

        ServiceConfig sessions = config.services().get("sessions");
        assertEquals(List.of(new HostPort("10.0.0.1", 7000)), ((TopologyConfig.Cluster) sessions.topology()).seeds());
        assertEquals(List.of(new ListenerConfig("auto", new HostPort("127.0.0.1", 7379), ListenerRole.AUTO)),
                sessions.listeners());
        assertEquals(Map.of(new HostPort("10.244.0.221", 6379), new HostPort("192.0.2.10", 7001)), sessions.nat().exact());
        assertEquals(Map.of(), sessions.nat().hosts());
    }

    @Test
    void listenerObjectFormUsersAndOverrides() throws Exception {
        ProxyConfig config = ProxyConfigLoader.loadFromString(ConfigTexts.staticService("""
                listen.write = null
                listen.read = { address = "127.0.0.1:8379", role = auto }
                users = [
                  { name = default, password = "a" }
                  { name = report, password = "b", read-only = true, listeners = [read] }
                ]
                read-port { writes = reject, fallback-to-master = false }
                protected-mode = no
                deny-commands = [flushall, "config   set"]
                limits { max-bulk-length = 1mb, client-idle-timeout = 5m, pre-auth.max-bulk-length = 1k }
                backend { user = proxy, password = "p", connections-per-node = 4 }
                """));
        ServiceConfig s = config.services().get("cache");
        assertEquals(List.of(new ListenerConfig("read", new HostPort("127.0.0.1", 8379), ListenerRole.AUTO)),
                s.listeners());
        assertEquals(2, s.users().size());
        UserConfig report = s.user("report").orElseThrow();
        assertTrue(report.readOnly());
        assertTrue(report.mayUse("read"));
        assertFalse(report.mayUse("write"));
        assertTrue(s.user("default").orElseThrow().mayUse("write"));
        assertTrue(s.user("default").orElseThrow().password().matches("a"));
        assertEquals(new ReadPortConfig(false, false), s.readPort());
        assertEquals(ProtectedMode.NO, s.protectedMode());
        assertEquals(Set.of("FLUSHALL", "CONFIG SET"), s.denyCommands());
        assertEquals(1024 * 1024, s.limits().maxBulkLength());
        assertEquals(1000, s.limits().preAuth().maxBulkLength());
        assertEquals(Duration.ofMinutes(5), s.limits().clientIdleTimeout());
        assertEquals(Optional.of("proxy"), s.backend().user());
        assertEquals(4, s.backend().connectionsPerNode());
    }

    @Test
    void serviceDefaultsApplyToEveryServiceAndServicesOverrideThem() throws Exception {
        ProxyConfig config = ProxyConfigLoader.loadFromString(ConfigTexts.staticService("health.fall = 7") + """
                respproxy.services.other {
                  mode = static
                  listen.read = "127.0.0.1:9379"
                  static.servers = ["127.0.0.1:6379"]
                }
                respproxy.service-defaults.health { fall = 5, rise = 4 }
                """);
        assertEquals(7, config.services().get("cache").health().fall());
        assertEquals(4, config.services().get("cache").health().rise());
        assertEquals(5, config.services().get("other").health().fall());
    }

    @Test
    void environmentSubstitution() throws Exception {
        String text = ConfigTexts.staticService("""
                backend.password = ${?CACHE_REDIS_PASSWORD}
                users = [ { name = default, password = ${?CACHE_APP_PASSWORD} } ]
                limits.maxclients = ${?CACHE_MAXCLIENTS}
                """);
        ServiceConfig s = ProxyConfigLoader.loadFromString(text, Map.of(
                "CACHE_REDIS_PASSWORD", "backend-pw", "CACHE_APP_PASSWORD", "app-pw", "CACHE_MAXCLIENTS", "42"))
                .services().get("cache");
        assertEquals("backend-pw", s.backend().password().orElseThrow().reveal());
        assertEquals("app-pw", s.users().get(0).password().reveal());
        assertEquals(42, s.limits().maxClients());

        // Unset variables leave the default (null: no backend password) in place.
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ProxyConfigLoader.loadFromString(text, Map.of()));
        assertEquals(List.of(new ConfigProblem("respproxy.services.cache.users[0].password",
                "missing (set password or password-file)")), e.problems());
    }

    @Test
    void passwordFileIsReadAndItsTrailingNewlineDropped(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("backend"), "pa ss\n");
        Files.writeString(dir.resolve("app"), "app-pw\r\n");
        Path conf = dir.resolve("respproxy.conf");
        // Relative password-file paths are relative to the configuration file.
        Files.writeString(conf, ConfigTexts.staticService("""
                backend.password-file = backend
                users = [ { name = default, password-file = "%s" } ]
                """.formatted(dir.resolve("app"))));
        ServiceConfig s = ProxyConfigLoader.load(conf, Map.of()).services().get("cache");
        assertEquals("pa ss", s.backend().password().orElseThrow().reveal());
        assertEquals("app-pw", s.users().get(0).password().reveal());
    }

    @Test
    void exampleConfigurationIsValid() throws Exception {
        ProxyConfig config = ProxyConfigLoader.load(Path.of("../conf/respproxy.conf"), Map.of());
        assertEquals(List.of("orders", "sessions", "cache"), List.copyOf(config.services().keySet()));
        assertEquals(Mode.SENTINEL, config.services().get("orders").mode());
        assertEquals(Mode.CLUSTER, config.services().get("sessions").mode());
        assertEquals(Mode.STATIC, config.services().get("cache").mode());
        assertEquals(6379, config.services().get("orders").listeners().get(0).address().port());
        assertEquals(3, config.services().get("sessions").nat().size());
    }

    @Test
    void exampleConfigurationTakesSecretsFromTheEnvironment() throws Exception {
        ProxyConfig config = ProxyConfigLoader.load(Path.of("../conf/respproxy.conf"),
                Map.of("ORDERS_REDIS_PASSWORD", "r", "SESSIONS_REDIS_PASSWORD", "s"));
        assertEquals("r", config.services().get("orders").backend().password().orElseThrow().reveal());
        assertEquals("s", config.services().get("sessions").backend().password().orElseThrow().reveal());
    }

    @Test
    void summaryShowsNoSecrets() throws Exception {
        ProxyConfig config = ProxyConfigLoader.loadFromString(ConfigTexts.staticService("""
                backend.password = "backend-secret-1"
                users = [ { name = default, password = "client-secret-2" } ]
                """));
        String text = String.join("\n", ConfigSummary.lines(config)) + config;
        assertFalse(text.contains("backend-secret-1"), text);
        assertFalse(text.contains("client-secret-2"), text);
        assertTrue(text.contains("service cache: mode=static"), text);
    }

    @Test
    void writesPolicy() throws Exception {
        ServiceConfig s = ProxyConfigLoader.loadFromString(ConfigTexts.staticService("""
                writes { acknowledge = replicated, min-replicas = majority, replica-timeout = 250ms }
                """), Map.of()).services().get("cache");
        assertEquals(new WritesConfig(true, io.respproxy.routing.route.RoutingRules.MAJORITY, Duration.ofMillis(250)),
                s.writes());
        assertEquals(2, ProxyConfigLoader.loadFromString(ConfigTexts.staticService(
                "writes { acknowledge = REPLICATED, min-replicas = 2 }"), Map.of()).services().get("cache").writes().minReplicas());
        assertEquals(3, ProxyConfigLoader.loadFromString(ConfigTexts.staticService(
                "writes.min-replicas = ${?MIN_REPLICAS}"), Map.of("MIN_REPLICAS", "3")).services().get("cache").writes()
                .minReplicas(), "a number from the environment");
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ProxyConfigLoader.loadFromString(ConfigTexts.staticService("""
                        writes { acknowledge = replicated, min-replicas = most, replica-timeout = 10s }
                        """), Map.of()));
        assertEquals(List.of(
                "respproxy.services.cache.writes.min-replicas: bad value 'most': expected a number of replicas (1 or more) or majority",
                "respproxy.services.cache.writes.replica-timeout: must be less than backend.command-timeout (5s): a WAIT "
                        + "that long would count as a stalled node"),
                e.problems().stream().map(p -> p.path() + ": " + p.message()).toList());
        e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ProxyConfigLoader.loadFromString(ConfigTexts.staticService("writes.acknowledge = sync"), Map.of()));
        assertEquals(List.of("respproxy.services.cache.writes.acknowledge: bad value 'sync': expected async, replicated"),
                e.problems().stream().map(p -> p.path() + ": " + p.message()).toList());
        assertEquals(Duration.ofMillis(500), ProxyConfigLoader.loadFromString(ConfigTexts.staticService(
                "backend.command-timeout = 500ms"), Map.of()).services().get("cache").backend().commandTimeout(),
                "async sends no WAIT: its replica-timeout does not have to be below the command timeout");
        e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ProxyConfigLoader.loadFromString(ConfigTexts.staticService("writes.min-replicas = 0"), Map.of()));
        assertEquals(List.of("respproxy.services.cache.writes.min-replicas: must be between 1 and 1000, got 0"),
                e.problems().stream().map(p -> p.path() + ": " + p.message()).toList());
    }
}
