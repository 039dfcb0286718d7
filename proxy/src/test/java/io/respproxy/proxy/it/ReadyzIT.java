package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.respproxy.proxy.server.StrictJson;
import io.respproxy.testkit.ReplicatedRedis;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * /readyz as keepalived and Kubernetes see it: 503 with the reason while the service has no
 * verified writable master (the proxy started while its master was frozen; later the master
 * froze again), 200 once it has one.
 */
class ReadyzIT {

    @Test
    void notReadyUntilTheMasterIsVerifiedAndAgainWhenItFreezes() throws Exception {
        try (ReplicatedRedis redis = ProxyEnvironment.redis(1)) {
            redis.master().pause();
            try (AdminFixture proxy = new AdminFixture(List.of(redis.master(), redis.replicas().get(0)))) {
                HttpResponse<String> not = proxy.awaitReadyz(503, Duration.ofSeconds(10));
                JsonObject orders = reason(not);
                assertFalse(orders.get("ready").getAsBoolean());
                assertTrue(orders.get("reason").getAsString().startsWith("no writable master: "), not.body());
                System.out.println("ReadyzIT before the master answers: " + not.body().strip());
                // Still 503 a moment later: nothing becomes ready without a master.
                Thread.sleep(600);
                assertEquals(503, proxy.get("/readyz").statusCode());

                redis.master().resume();
                HttpResponse<String> ready = proxy.awaitReadyz(200, Duration.ofSeconds(20));
                assertEquals("{\"ready\":true,\"services\":{\"orders\":{\"ready\":true}}}\n", ready.body());

                redis.master().pause();
                try {
                    HttpResponse<String> frozen = proxy.awaitReadyz(503, Duration.ofSeconds(20));
                    assertTrue(reason(frozen).get("reason").getAsString().startsWith("no writable master: "),
                            frozen.body());
                    System.out.println("ReadyzIT with the master frozen: " + frozen.body().strip());
                } finally {
                    redis.master().resume();
                }
                proxy.awaitReadyz(200, Duration.ofSeconds(20));
            }
        }
    }

    private static JsonObject reason(HttpResponse<String> r) {
        assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
        JsonObject body = StrictJson.parse(r.body()).getAsJsonObject();
        assertFalse(body.get("ready").getAsBoolean());
        return body.getAsJsonObject("services").getAsJsonObject("orders");
    }
}
