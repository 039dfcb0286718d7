package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import io.respproxy.testkit.ReplicatedRedis;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

/** The proxy's own users: NOAUTH, WRONGPASS, AUTH forms, HELLO AUTH, read-only users, listeners. */
class AuthIT {

    private static final String NOAUTH = "-NOAUTH Authentication required.";
    private static final String WRONGPASS = "-WRONGPASS invalid username-password pair or user is disabled.";

    private static ReplicatedRedis redis;
    private static ProxyFixture proxy;
    private static ClientResources resources;

    @BeforeAll
    static void start() throws Exception {
        redis = ProxyEnvironment.redis(1);
        proxy = ProxyFixture.start(redis, """
                users = [
                  { name = default, password = "app" }
                  { name = alice, password = "alice-pw" }
                  { name = ro, password = "ro-pw", read-only = true }
                  { name = reader, password = "reader-pw", listeners = [read] }
                ]
                """);
        resources = ProxyEnvironment.lettuceResources();
    }

    @AfterAll
    static void stop() {
        ProxyEnvironment.close(resources, proxy, redis);
    }

    /** Redis's ACL wording is "NOPERM User <name> has no permissions to run the '<cmd>' command". */
    private static void assertNoPerm(String command, String reply) {
        assertTrue(reply.startsWith("-NOPERM ") && reply.contains("'" + command + "'"), reply);
    }

    @Test
    void noauthBeforeAuthThenWrongpassThenAuthOk() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("GET", "a:k"));
            assertEquals(NOAUTH, c.readReply());
            c.send(RawClient.command("SET", "a:k", "v"));
            assertEquals(NOAUTH, c.readReply());
            c.send(RawClient.command("AUTH", "wrong"));
            assertEquals(WRONGPASS, c.readReply());
            c.send(RawClient.command("AUTH", "alice", "app"));
            assertEquals(WRONGPASS, c.readReply());
            c.send(RawClient.command("GET", "a:k"));
            assertEquals(NOAUTH, c.readReply(), "the connection stays open and unauthenticated");
            c.send(RawClient.command("AUTH", "app"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("SET", "a:k", "v") + RawClient.command("GET", "a:k"));
            assertEquals("+OK", c.readReply());
            assertEquals("v", c.readReply());
            // A failed AUTH later keeps the earlier identity, as in Redis.
            c.send(RawClient.command("AUTH", "nope"));
            assertEquals(WRONGPASS, c.readReply());
            c.send(RawClient.command("GET", "a:k"));
            assertEquals("v", c.readReply());
        }
    }

    /** Redis 7 answers only AUTH, HELLO, QUIT and RESET before authentication; INFO and CLIENT LIST leak data. */
    @Test
    void localCommandsBeforeAuthAreRefusedLikeRedis() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            for (String[] cmd : new String[][] {{"PING"}, {"ECHO", "x"}, {"INFO"}, {"CLIENT", "LIST"}, {"ROLE"},
                    {"SELECT", "1"}, {"COMMAND", "COUNT"}}) {
                c.send(RawClient.command(cmd));
                assertEquals(NOAUTH, c.readReply(), String.join(" ", cmd) + " before AUTH");
            }
            c.send(RawClient.command("AUTH", "default", "app"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("PING"));
            assertEquals("+PONG", c.readReply());
        }
    }

    @Test
    void authUserPassForm() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("AUTH", "alice", "alice-pw"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("SET", "a:alice", "1"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("CLIENT", "LIST"));
            String list = c.readReply();
            assertTrue(list.contains("user=alice"), list);
            assertFalse(list.contains(ProxyFixture.BACKEND_PASSWORD + " "), "no secrets in CLIENT LIST");
        }
    }

    @Test
    void helloAuthForms() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("HELLO", "3"));
            assertTrue(c.readReply().startsWith("-NOAUTH HELLO must be called with the client already authenticated"));
            c.send(RawClient.command("HELLO", "3", "AUTH", "alice", "bad"));
            assertEquals(WRONGPASS, c.readReply());
            c.send(RawClient.command("HELLO", "3", "AUTH", "alice", "alice-pw", "SETNAME", "myconn"));
            String hello = c.readReply();
            assertTrue(hello.startsWith("{server=redis") && hello.contains("proto=:3"), hello);
            c.send(RawClient.command("CLIENT", "GETNAME"));
            assertEquals("myconn", c.readReply());
            c.send(RawClient.command("GET", "a:none"));
            assertEquals("(nil)", c.readReply());
        }
    }

    @Test
    void jedisAndLettuceWithPasswordsAndUsers() {
        try (Jedis j = new Jedis(new HostAndPort("127.0.0.1", proxy.writePort()),
                DefaultJedisClientConfig.builder().password("app").build())) {
            assertEquals("OK", j.set("a:jedis", "1"));
            assertEquals("1", j.get("a:jedis"));
        }
        try (Jedis j = new Jedis(new HostAndPort("127.0.0.1", proxy.writePort()),
                DefaultJedisClientConfig.builder().user("alice").password("alice-pw").build())) {
            assertEquals("1", j.get("a:jedis"));
        }
        JedisDataException e = assertThrows(JedisDataException.class, () -> {
            try (Jedis j = new Jedis(new HostAndPort("127.0.0.1", proxy.writePort()),
                    DefaultJedisClientConfig.builder().password("bad").build())) {
                j.ping();
            }
        });
        assertEquals(WRONGPASS.substring(1), e.getMessage());
        for (ProtocolVersion pv : new ProtocolVersion[] {ProtocolVersion.RESP3, ProtocolVersion.RESP2}) {
            RedisURI uri = RedisURI.builder().withHost("127.0.0.1").withPort(proxy.writePort())
                    .withAuthentication("alice", "alice-pw").withTimeout(Duration.ofSeconds(5)).build();
            RedisClient client = RedisClient.create(resources, uri);
            client.setOptions(io.lettuce.core.ClientOptions.builder().protocolVersion(pv).build());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                assertEquals("OK", c.sync().set("a:lettuce:" + pv, "v"));
                assertEquals("v", c.sync().get("a:lettuce:" + pv));
            } finally {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        }
    }

    @Test
    void readOnlyUserCanReadButNotWrite() throws Exception {
        try (Jedis w = new Jedis("127.0.0.1", proxy.writePort())) {
            w.auth("app");
            w.set("a:ro", "visible");
        }
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("AUTH", "ro", "ro-pw"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("GET", "a:ro"));
            assertEquals("visible", c.readReply());
            c.send(RawClient.command("SET", "a:ro", "changed"));
            assertNoPerm("set", c.readReply());
            c.send(RawClient.command("DEL", "a:ro"));
            assertNoPerm("del", c.readReply());
            c.send(RawClient.command("GET", "a:ro"));
            assertEquals("visible", c.readReply(), "the connection stays usable");
        }
    }

    /** A read-only user must not be able to write by wrapping the write in MULTI/EXEC. */
    @Test
    void readOnlyUserCannotWriteInsideATransaction() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("AUTH", "ro", "ro-pw"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("MULTI"));
            c.readReply();
            c.send(RawClient.command("SET", "a:ro:tx", "written"));
            assertNoPerm("set", c.readReply());
            c.send(RawClient.command("EXEC"));
            c.readReply();
        }
        try (Jedis m = ProxyFixture.direct(redis.master())) {
            assertNull(m.get("a:ro:tx"), "a read-only user wrote through MULTI/EXEC");
        }
    }

    /** Nor with a blocking write (BLPOP / BLMOVE pop from lists). */
    @Test
    void readOnlyUserCannotPopWithABlockingCommand() throws Exception {
        try (Jedis w = new Jedis("127.0.0.1", proxy.writePort())) {
            w.auth("app");
            w.del("a:ro:list");
            w.rpush("a:ro:list", "keep");
        }
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("AUTH", "ro", "ro-pw"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("BLPOP", "a:ro:list", "1"));
            assertNoPerm("blpop", c.readReply());
        }
        try (Jedis m = ProxyFixture.direct(redis.master())) {
            assertEquals(1, m.llen("a:ro:list"), "a read-only user popped from a list");
        }
    }

    @Test
    void userLimitedToTheReadListener() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("AUTH", "reader", "reader-pw"));
            assertEquals("-NOPERM this user may not use this listener", c.readReply());
            c.send(RawClient.command("GET", "x"));
            assertEquals(NOAUTH, c.readReply());
        }
        try (RawClient c = new RawClient(proxy.readPort())) {
            c.send(RawClient.command("AUTH", "reader", "reader-pw"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("GET", "a:none"));
            assertEquals("(nil)", c.readReply());
        }
    }

    @Test
    void resetForgetsTheIdentity() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("AUTH", "app"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("RESET"));
            assertEquals("+RESET", c.readReply());
            c.send(RawClient.command("GET", "x"));
            assertEquals(NOAUTH, c.readReply());
        }
    }

    /** Before AUTH the tighter pre-auth limits apply (16kb bulk): a protocol error, then close. */
    @Test
    void bigArgumentBeforeAuthIsAProtocolError() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20000\r\n");
            assertEquals("-ERR Protocol error: invalid bulk length", c.readReply());
            assertTrue(c.closedWithin(3000));
        }
        try (RawClient c = new RawClient(proxy.writePort())) {
            c.send(RawClient.command("AUTH", "app"));
            assertEquals("+OK", c.readReply());
            c.send(RawClient.command("SET", "a:big", "x".repeat(20000)));
            assertEquals("+OK", c.readReply(), "after AUTH the normal limits apply");
            c.send(RawClient.command("RESET"));
            assertEquals("+RESET", c.readReply());
            c.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$20000\r\n");
            assertEquals("-ERR Protocol error: invalid bulk length", c.readReply(),
                    "RESET forgets the user, and the pre-auth limits apply again");
            assertTrue(c.closedWithin(3000));
        }
    }

    @Test
    void serviceWithoutUsersServesLoopbackClientsAndPassesAuthToRedis() throws Exception {
        try (ProxyFixture open = ProxyFixture.start(redis); RawClient c = new RawClient(open.writePort())) {
            c.send(RawClient.command("PING"));
            assertEquals("+PONG", c.readReply());
            c.send(RawClient.command("SET", "a:open", "1") + RawClient.command("GET", "a:open"));
            assertEquals("+OK", c.readReply());
            assertEquals("1", c.readReply());
            c.send(RawClient.command("AUTH", "whatever") + RawClient.command("GET", "a:open"));
            assertEquals(WRONGPASS, c.readReply(), "what this password-protected Redis answers");
            assertEquals("1", c.readReply(), "the client stays logged in as it was");
            c.send(RawClient.command("AUTH", ProxyFixture.BACKEND_PASSWORD) + RawClient.command("GET", "a:open"));
            assertEquals("+OK", c.readReply(), "Redis's own password logs in");
            assertEquals("1", c.readReply());
        }
    }

    /**
     * With no users of its own, the proxy passes AUTH through: the client logs in to Redis as a
     * Redis ACL user, whose rules then apply to its commands (and to no one else's).
     */
    @Test
    void serviceWithoutUsersLogsClientsInAsRedisAclUsers() throws Exception {
        try (ProxyFixture open = ProxyFixture.start(redis, "deny-commands = [SHUTDOWN]");
             RawClient bob = new RawClient(open.writePort());
             RawClient other = new RawClient(open.writePort())) {
            bob.send(RawClient.command("ACL", "SETUSER", "bob", "on", ">123", "+@all", "~x*"));
            assertEquals("+OK", bob.readReply());
            bob.send(RawClient.command("AUTH", "bob", "wrong"));
            assertEquals(WRONGPASS, bob.readReply(), "Redis's refusal");
            bob.send(RawClient.command("ACL", "WHOAMI"));
            assertEquals("default", bob.readReply(), "a refused AUTH leaves the client as it was");
            // Pipelined: the command right behind the AUTH already runs as bob.
            bob.send(RawClient.command("AUTH", "bob", "123") + RawClient.command("ACL", "WHOAMI"));
            assertEquals("+OK", bob.readReply());
            assertEquals("bob", bob.readReply());
            bob.send(RawClient.command("SET", "x:bob", "1") + RawClient.command("SET", "y:bob", "1"));
            assertEquals("+OK", bob.readReply());
            assertEquals("-NOPERM this user has no permissions to access one of the keys used as arguments",
                    bob.readReply(), "bob's key rule applies through the proxy");
            other.send(RawClient.command("SET", "y:bob", "1") + RawClient.command("ACL", "WHOAMI"));
            assertEquals("+OK", other.readReply(), "another client is not bob");
            assertEquals("default", other.readReply());
            bob.send(RawClient.command("MULTI") + RawClient.command("ACL", "WHOAMI") + RawClient.command("EXEC"));
            assertEquals("+OK", bob.readReply());
            assertEquals("+QUEUED", bob.readReply());
            assertEquals("[bob]", bob.readReply(), "a transaction's connection logs in as bob too");
            bob.send(RawClient.command("RESET") + RawClient.command("ACL", "WHOAMI"));
            assertEquals("+RESET", bob.readReply());
            assertEquals("default", bob.readReply(), "RESET logs out, as in Redis");
            bob.send(RawClient.command("HELLO", "3", "AUTH", "bob", "123", "SETNAME", "b")
                    + RawClient.command("ACL", "WHOAMI"));
            String hello = bob.readReply();
            assertTrue(hello.contains("proto=:3"), hello);
            assertEquals("bob", bob.readReply());
            bob.send(RawClient.command("HELLO", "2", "AUTH", "bob", "nope"));
            assertEquals(WRONGPASS, bob.readReply());
            bob.send(RawClient.command("CLIENT", "GETNAME"));
            assertEquals("b", bob.readReply(), "a refused HELLO changes nothing");
            other.send(RawClient.command("ACL", "DELUSER", "bob"));
            assertEquals(":1", other.readReply());
        }
    }
}
