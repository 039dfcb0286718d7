package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.testkit.ReplicatedRedis;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** Commands the proxy answers itself or adapts: PING, ECHO, SELECT, CLIENT, INFO, ROLE, QUIT. */
class LocalCommandsIT {

    private static ReplicatedRedis redis;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        redis = ProxyEnvironment.redis(1);
        proxy = ProxyFixture.start(redis);
    }

    @AfterAll
    static void stop() {
        ProxyEnvironment.close(null, proxy, redis);
    }

    /** redis-cli as a process; its stdout, trimmed. */
    private static String redisCli(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("redis-cli", "--no-auth-warning"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return out;
    }

    @Test
    void pingAndEcho() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("PING") + RawClient.command("PING", "hello") + RawClient.command("ECHO", "a\r\nb")
                    + RawClient.command("PING", "a", "b") + RawClient.command("ECHO"));
            assertEquals("+PONG", c.readReply());
            assertEquals("hello", c.readReply());
            assertEquals("a\r\nb", c.readReply());
            assertEquals("-ERR wrong number of arguments for 'ping' command", c.readReply());
            assertEquals("-ERR wrong number of arguments for 'echo' command", c.readReply());
        }
        assertEquals("PONG", redisCli("-p", String.valueOf(proxy.readPort()), "PING"));
    }

    @Test
    void selectIsolatesDatabases() throws Exception {
        try (Jedis j = proxy.jedis(proxy.writePort())) {
            j.set("l:db", "zero");
            assertEquals("OK", j.select(1));
            assertEquals(null, j.get("l:db"));
            j.set("l:db", "one");
            assertEquals("one", j.get("l:db"));
            assertEquals("OK", j.select(0));
            assertEquals("zero", j.get("l:db"));
        }
        String port = String.valueOf(redis.master().port());
        assertEquals("one", redisCli("-p", port, "-a", ProxyFixture.BACKEND_PASSWORD, "-n", "1", "GET", "l:db"));
        assertEquals("zero", redisCli("-p", port, "-a", ProxyFixture.BACKEND_PASSWORD, "-n", "0", "GET", "l:db"));
        // redis-cli -n through the proxy, and reads of db 1 on the read port.
        assertEquals("one", redisCli("-p", String.valueOf(proxy.writePort()), "-n", "1", "GET", "l:db"));
        ProxyFixture.await(java.time.Duration.ofSeconds(5), "db 1 on the read port", () -> {
            try {
                return "one".equals(redisCli("-p", String.valueOf(proxy.readPort()), "-n", "1", "GET", "l:db"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("SELECT", "16") + RawClient.command("SELECT", "x") + RawClient.command("SELECT", "-1"));
            assertEquals("-ERR DB index is out of range", c.readReply());
            assertEquals("-ERR value is not an integer or out of range", c.readReply());
            assertEquals("-ERR DB index is out of range", c.readReply());
        }
    }

    @Test
    void clientNameIdAndList() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort()); RawClient other = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("CLIENT", "GETNAME"));
            assertEquals("(nil)", c.readReply());
            c.send(RawClient.command("CLIENT", "SETNAME", "worker-1"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("CLIENT", "GETNAME"));
            assertEquals("worker-1", c.readReply());
            c.send(RawClient.command("CLIENT", "SETNAME", "has space"));
            assertEquals("-ERR Client names cannot contain spaces, newlines or special characters.", c.readReply());
            c.send(RawClient.command("CLIENT", "ID"));
            String id = c.readReply();
            assertTrue(id.matches(":\\d+"), id);
            other.send(RawClient.command("CLIENT", "ID"));
            String otherId = other.readReply();
            assertTrue(!id.equals(otherId), "ids differ per client");
            c.send(RawClient.command("CLIENT", "LIST"));
            String list = c.readReply();
            List<String> lines = list.lines().toList();
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("id=" + id.substring(1) + " ") && l.contains(" name=worker-1 ")
                    && l.contains(" db=0 ")), list);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("id=" + otherId.substring(1) + " ")), list);
            c.send(RawClient.command("CLIENT", "INFO"));
            String info = c.readReply();
            assertTrue(info.startsWith("id=" + id.substring(1) + " ") && info.contains("name=worker-1"), info);
        }
    }

    /** CLIENT INFO / LIST with Redis 7's fields, LIST's filters, and CLIENT KILL's forms and errors. */
    @Test
    void clientListInfoAndKillSpeakRedis() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort());
             RawClient sub = new RawClient(proxy.writePort());
             RawClient multi = new RawClient(proxy.writePort());
             RawClient victim = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("CLIENT", "INFO"));
            String info = c.readReply().strip();
            // The pattern Redis's own suite checks (unit/introspection), with this command's 26 bytes as qbuf.
            assertTrue(info.matches("id=\\d+ addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:\\d+ fd=\\d+ name= age=\\d+ "
                    + "idle=\\d+ flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 qbuf-free=\\d+ argv-mem=\\d+ "
                    + "multi-mem=0 rbs=\\d+ rbp=\\d+ obl=0 oll=0 omem=0 tot-mem=\\d+ events=r cmd=client\\|info "
                    + "user=default redir=-1 resp=2 .*"), info);
            sub.send(RawClient.command("SUBSCRIBE", "l:ch1", "l:ch2"));
            sub.readReply();
            sub.readReply();
            sub.send(RawClient.command("PSUBSCRIBE", "l:p*"));
            sub.readReply();
            multi.send(RawClient.command("MULTI") + RawClient.command("SET", "l:m", "1") + RawClient.command("INCR", "l:n"));
            assertEquals("+OK", multi.readReply());
            assertEquals("+QUEUED", multi.readReply());
            assertEquals("+QUEUED", multi.readReply());
            c.send(RawClient.command("CLIENT", "LIST", "TYPE", "pubsub"));
            List<String> pubsub = c.readReply().lines().toList();
            assertEquals(1, pubsub.size(), pubsub.toString());
            assertTrue(pubsub.get(0).contains(" flags=P ") && pubsub.get(0).contains(" sub=2 psub=1 ssub=0 ")
                    && pubsub.get(0).contains(" cmd=psubscribe "), pubsub.get(0));
            multi.send(RawClient.command("CLIENT", "ID"));
            assertEquals("+QUEUED", multi.readReply());
            c.send(RawClient.command("CLIENT", "LIST", "TYPE", "normal"));
            String normal = c.readReply();
            assertTrue(normal.lines().anyMatch(l -> l.contains(" flags=x ") && l.contains(" multi=3 ")), normal);
            assertTrue(normal.lines().noneMatch(l -> l.contains(" flags=P ")), normal);
            c.send(RawClient.command("CLIENT", "LIST", "ID", "abc"));
            assertEquals("-ERR Invalid client ID", c.readReply());
            c.send(RawClient.command("CLIENT", "LIST", "TYPE", "wrong"));
            assertEquals("-ERR Unknown client type 'wrong'", c.readReply());
            // CLIENT KILL's errors, as Redis words them.
            c.send(RawClient.command("CLIENT", "KILL"));
            assertEquals("-ERR wrong number of arguments for 'client|kill' command", c.readReply());
            c.send(RawClient.command("CLIENT", "KILL", "ID", "10", "wrong_arg"));
            assertEquals("-ERR syntax error", c.readReply());
            c.send(RawClient.command("CLIENT", "KILL", "ID", "str"));
            assertEquals("-ERR client-id should be greater than 0", c.readReply());
            c.send(RawClient.command("CLIENT", "KILL", "ID", "0"));
            assertEquals("-ERR client-id should be greater than 0", c.readReply());
            c.send(RawClient.command("CLIENT", "KILL", "TYPE", "wrong_type"));
            assertEquals("-ERR Unknown client type 'wrong_type'", c.readReply());
            c.send(RawClient.command("CLIENT", "KILL", "USER", "wrong_user"));
            assertEquals("-ERR No such user 'wrong_user'", c.readReply());
            c.send(RawClient.command("CLIENT", "KILL", "SKIPME", "yes_or_no"));
            assertEquals("-ERR syntax error", c.readReply());
            c.send(RawClient.command("CLIENT", "KILL", "127.0.0.1:1"));
            assertEquals("-ERR No such client", c.readReply());
            // By type, by address (the old form), by id.
            c.send(RawClient.command("CLIENT", "KILL", "TYPE", "pubsub"));
            assertEquals(":1", c.readReply());
            assertTrue(sub.closedWithin(3000), "the subscriber was closed");
            victim.send(RawClient.command("CLIENT", "INFO"));
            String victimAddr = clientField(victim.readReply(), "addr");
            c.send(RawClient.command("CLIENT", "KILL", victimAddr));
            assertEquals("+OK", c.readReply());
            assertTrue(victim.closedWithin(3000), "the client at " + victimAddr + " was closed");
            multi.send(RawClient.command("DISCARD") + RawClient.command("CLIENT", "ID"));
            assertEquals("+OK", multi.readReply());
            String multiId = multi.readReply().substring(1);
            c.send(RawClient.command("CLIENT", "KILL", "ID", multiId, "SKIPME", "yes"));
            assertEquals(":1", c.readReply());
            assertTrue(multi.closedWithin(3000));
            // Itself, with SKIPME no: the reply comes, then the connection closes.
            c.send(RawClient.command("CLIENT", "INFO"));
            String myId = clientField(c.readReply(), "id");
            c.send(RawClient.command("CLIENT", "KILL", "ID", myId, "SKIPME", "no"));
            assertEquals(":1", c.readReply());
            assertTrue(c.closedWithin(3000), "a client that kills itself is closed after the reply");
        }
    }

    private static String clientField(String clientLine, String name) {
        for (String kv : clientLine.strip().split(" ")) {
            if (kv.startsWith(name + "=")) {
                return kv.substring(name.length() + 1);
            }
        }
        throw new AssertionError("no " + name + " in " + clientLine);
    }

    /**
     * CONFIG RESETSTAT zeroes INFO's Stats as on Redis; total_error_replies counts the node's
     * errors (one a script caught with pcall included, which the client never saw) and the
     * proxy's own.
     */
    @Test
    void resetstatZeroesStatsAndErrorRepliesCountTheNodesAndTheProxys() throws Exception {
        try (ProxyFixture open = ProxyFixture.start(redis, "deny-commands = [SHUTDOWN]");
             RawClient c = new RawClient(open.writePort())) {
            c.send(RawClient.command("GET", "a", "b") + RawClient.command("NOSUCHCOMMAND"));
            c.readReply();
            c.readReply();
            // The node counts every client's errors: let the new proxy's own start-up (its COMMAND
            // discovery client sends CLIENT SETINFO, which Redis 7.0 refuses) be over first.
            Thread.sleep(2000);
            c.send(RawClient.command("CONFIG", "RESETSTAT"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("INFO", "stats"));
            String info = c.readReply();
            assertEquals("0", field(info, "total_error_replies"), info);
            assertEquals("0", field(info, "total_connections_received"), info);
            c.send(RawClient.command("EVAL", "return redis.pcall('select', 99) and 1", "0"));
            assertEquals(":1", c.readReply(), "the script caught the error");
            c.send(RawClient.command("NOSUCHCOMMAND"));
            assertTrue(c.readReply().startsWith("-ERR unknown command"));
            c.send(RawClient.command("INFO", "stats"));
            info = c.readReply();
            assertEquals("2", field(info, "total_error_replies"), "the node's one and the proxy's one: " + info);
        }
    }

    @Test
    void infoHasTheMastersFieldsAndAProxySection() throws Exception {
        try (Jedis j = proxy.jedis(proxy.writePort())) {
            j.set("l:info", "1");
            String info = j.info();
            assertTrue(info.contains("redis_version:7."), info);
            assertTrue(info.contains("# Proxy\r\n"), info);
            assertTrue(info.contains("service:s1"), info);
            assertTrue(info.contains("master:127.0.0.1:" + redis.master().port()), info);
            String keyspace = j.info("keyspace");
            assertTrue(keyspace.startsWith("# Keyspace"), keyspace);
            assertTrue(keyspace.contains("db0:keys="), keyspace);
            assertTrue(!keyspace.contains("# Proxy"), "INFO keyspace is only the keyspace: " + keyspace);
            String server = j.info("server");
            assertTrue(server.contains("redis_version:") && !server.contains("# Keyspace"), server);
            String proxyOnly = j.info("proxy");
            assertTrue(proxyOnly.startsWith("# Proxy") && proxyOnly.contains("read_replicas:1"), proxyOnly);
            assertTrue(!info.contains("requirepass") && !info.contains("masterauth"), "no secrets in INFO");
        }
        String cli = redisCli("-p", String.valueOf(proxy.readPort()), "INFO", "replication");
        assertTrue(cli.contains("role:slave") && cli.contains("master_port:" + redis.master().port()), cli);
    }

    /** Clients, Stats and Replication describe the proxy and its topology, not the master's own connections. */
    @Test
    void infoSectionsAboutConnectionsAreTheProxys() throws Exception {
        try (Jedis a = proxy.jedis(proxy.writePort()); Jedis b = proxy.jedis(proxy.writePort());
             Jedis c = proxy.jedis(proxy.writePort())) {
            b.ping();
            c.ping();
            String clients = a.info("clients");
            assertTrue(clients.startsWith("# Clients"), clients);
            int connected = Integer.parseInt(field(clients, "connected_clients"));
            assertTrue(connected >= 3, "the proxy's own clients (at least these 3): " + clients);
            String replication = a.info("replication");
            assertTrue(replication.contains("role:master") && replication.contains("connected_slaves:1")
                    && replication.contains("slave0:ip=127.0.0.1,port=" + redis.replicas().get(0).port()), replication);
            String persistence = a.info("persistence");
            assertEquals("0", field(persistence, "loading"), "ioredis waits for loading:0: " + persistence);
            String stats = a.info("stats");
            assertTrue(Long.parseLong(field(stats, "total_commands_processed")) > 0, stats);
            assertTrue(a.info("server").contains("respproxy_version:"));
        }
    }

    private static String field(String info, String name) {
        return info.lines().filter(l -> l.startsWith(name + ":")).map(l -> l.substring(name.length() + 1).strip())
                .findFirst().orElseThrow(() -> new AssertionError(name + " missing in " + info));
    }

    @Test
    void roleOnEachListener() throws Exception {
        try (RawClient w = new RawClient(proxy.writePort()); RawClient r = new RawClient(proxy.readPort());
             RawClient a = new RawClient(proxy.autoPort())) {
            w.send(RawClient.command("ROLE"));
            assertEquals("[master, :0, []]", w.readReply());
            a.send(RawClient.command("ROLE"));
            assertEquals("[master, :0, []]", a.readReply());
            r.send(RawClient.command("ROLE"));
            assertEquals("[slave, 127.0.0.1, :" + redis.master().port() + ", connected, :-1]", r.readReply());
        }
    }

    @Test
    void quitAnswersOkAndCloses() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("SET", "l:quit", "1") + RawClient.command("QUIT") + RawClient.command("SET", "l:quit", "2"));
            assertEquals("+OK", c.readReply());
            assertEquals("+OK", c.readReply());
            assertTrue(c.closedWithin(3000));
        }
        try (Jedis m = ProxyFixture.direct(redis.master())) {
            assertEquals("1", m.get("l:quit"), "nothing after QUIT runs");
        }
    }

    @Test
    void commandAndDbsizeAreServedFromTheBackend() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("COMMAND", "COUNT"));
            String count = c.readReply();
            assertTrue(count.matches(":\\d+") && Long.parseLong(count.substring(1)) > 200, count);
            c.send(RawClient.command("DBSIZE"));
            assertTrue(c.readReply().matches(":\\d+"));
            c.send(RawClient.command("TIME"));
            assertTrue(c.readReply().matches("\\[\\d+, \\d+\\]"));
        }
    }
}
