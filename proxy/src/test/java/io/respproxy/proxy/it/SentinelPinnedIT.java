package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.SentinelDeployment;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Client connections that hold state on the master (subscriptions, a transaction, a blocked
 * command) through a Sentinel failover: none is closed. Subscribers keep their channels on the
 * new master (RESP2 and RESP3), a MULTI in progress is discarded with EXECABORT, and a blocked
 * command gets an error that says it may have been applied.
 */
class SentinelPinnedIT {

    @Test
    void subscribersTransactionsAndBlockedCommandsSurviveAFailover() throws Exception {
        try (SentinelDeployment s = SentinelFailoverIT.sentinel(); ProxyFixture proxy = ProxyFixture.sentinel(s, "");
             RawClient sub2 = new RawClient(proxy.writePort());
             RawClient sub3 = new RawClient(proxy.writePort());
             RawClient multi = new RawClient(proxy.writePort());
             RawClient blocked = new RawClient(proxy.writePort());
             Jedis publisher = proxy.jedis(proxy.writePort())) {
            sub2.send(RawClient.command("SUBSCRIBE", "sp:news"));
            assertEquals("[subscribe, sp:news, :1]", sub2.readReply());
            sub3.send(RawClient.command("HELLO", "3"));
            assertTrue(sub3.readReply().contains("proto=:3"));
            sub3.send(RawClient.command("PSUBSCRIBE", "sp:*"));
            assertEquals(">[psubscribe, sp:*, :1]", sub3.readReply());
            multi.send(RawClient.command("MULTI") + RawClient.command("SET", "sp:k", "1"));
            assertEquals("+OK", multi.readReply());
            assertEquals("+QUEUED", multi.readReply());
            blocked.socket().setSoTimeout(30_000);
            blocked.send(RawClient.command("BLPOP", "sp:list", "0"));
            Thread.sleep(200);

            RedisNode old = s.master();
            RedisNode promoted = s.failover(Duration.ofSeconds(30));
            SentinelFailoverIT.awaitProxyMaster(proxy, promoted);

            String blockedReply = blocked.readReply();
            assertTrue(blockedReply.startsWith("-ERR connection to the master was lost while blocked")
                    && blockedReply.contains("may have been applied"), blockedReply);
            multi.send(RawClient.command("EXEC"));
            String execReply = multi.readReply();
            assertTrue(execReply.startsWith("-EXECABORT"), "the transaction on the old master is discarded: " + execReply);
            multi.send(RawClient.command("GET", "sp:k"));
            assertEquals("(nil)", multi.readReply(), "nothing of it was applied; the client goes on");

            // Subscriptions follow to the new master: a PUBLISH there reaches both subscribers.
            ProxyFixture.await(Duration.ofSeconds(10), "both subscribers subscribed on the new master",
                    () -> publisher.publish("sp:news", "probe") == 2);
            assertEquals(2L, publisher.publish("sp:news", "after"));
            assertEquals("[message, sp:news, after]", skipProbes(sub2));
            assertEquals(">[pmessage, sp:*, sp:news, after]", skipProbes(sub3));
            assertTrue(old != s.master());
        }
    }

    /** Skips the probe messages a subscriber got while the test waited for both to be subscribed. */
    private static String skipProbes(RawClient c) throws Exception {
        String reply = c.readReply();
        while (reply.endsWith(", probe]")) {
            reply = c.readReply();
        }
        return reply;
    }
}
