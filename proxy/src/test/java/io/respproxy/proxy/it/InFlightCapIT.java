package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.respproxy.testkit.ReplicatedRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The in-flight cap (max-pipeline-in-flight) pauses reading from a client; its replies resume it. */
class InFlightCapIT {

    private static final int CAP = 4;
    private static ReplicatedRedis redis;
    private static ProxyFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        redis = ProxyEnvironment.redis(1);
        proxy = ProxyFixture.start(redis, "limits.max-pipeline-in-flight = " + CAP);
    }

    @AfterAll
    static void stop() {
        ProxyEnvironment.close(null, proxy, redis);
    }

    /**
     * Exactly CAP commands in one read: the cap is reached at the end of the read batch with
     * nothing waiting in the backlog. Once their replies are written the proxy must read again.
     */
    @Test
    void readingResumesWhenTheCapWasReachedAtTheEndOfAReadBatch() throws Exception {
        try (RawClient c = new RawClient(proxy.writePort())) {
            for (int round = 0; round < 3; round++) {
                StringBuilder batch = new StringBuilder();
                for (int i = 0; i < CAP; i++) {
                    batch.append(RawClient.command("SET", "cap:" + i, "v" + round));
                }
                c.send(batch.toString());
                for (int i = 0; i < CAP; i++) {
                    assertEquals("+OK", c.readReply(), "round " + round + " reply " + i);
                }
            }
            c.send(RawClient.command("GET", "cap:0"));
            assertEquals("$2", c.readLine());
        }
    }
}
