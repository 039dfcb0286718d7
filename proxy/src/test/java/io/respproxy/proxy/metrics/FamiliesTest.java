package io.respproxy.proxy.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.client.exporter.common.TextFormat;
import java.io.StringWriter;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FamiliesTest {

    private static String text(Families f) throws Exception {
        StringWriter out = new StringWriter();
        TextFormat.write004(out, Collections.enumeration(f.build()));
        return out.toString();
    }

    @Test
    void countersGaugesAndHistogramsInTheTextFormat() throws Exception {
        LatencyHistogram h = new LatencyHistogram();
        h.observeNanos(200_000);
        h.observeNanos(2_000_000);
        Families f = new Families()
                .counter("respproxy_commands_total", "Commands.", "service", "command", "outcome")
                .gauge("respproxy_client_connections", "Now.", "service", "listener")
                .histogram("respproxy_command_duration_seconds", "Latency.", "service");
        f.set("respproxy_commands_total", 10, "orders", "set", "ok");
        f.set("respproxy_commands_total", 1, "orders", "config|get", "error");
        f.set("respproxy_client_connections", 3, "orders", "wr\"ite\\");
        f.set("respproxy_command_duration_seconds", h.snapshot(), "orders");
        String text = text(f);
        assertTrue(text.contains("# TYPE respproxy_commands_total counter\n"), text);
        assertTrue(text.contains("respproxy_commands_total{service=\"orders\",command=\"set\",outcome=\"ok\",} 10.0\n"),
                text);
        assertTrue(text.contains("respproxy_command_duration_seconds_bucket{service=\"orders\",le=\"0.00025\",} 1.0\n"),
                text);
        assertTrue(text.contains("respproxy_command_duration_seconds_bucket{service=\"orders\",le=\"+Inf\",} 2.0\n"),
                text);
        Map<String, PromText.Family> parsed = PromText.parse(text);
        assertEquals("counter", parsed.get("respproxy_commands_total").type());
        assertEquals("gauge", parsed.get("respproxy_client_connections").type());
        assertEquals("histogram", parsed.get("respproxy_command_duration_seconds").type());
        assertEquals(1.0, parsed.get("respproxy_commands_total")
                .find("respproxy_commands_total", Map.of("command", "config|get", "outcome", "error")).get(0).value());
        assertEquals("wr\"ite\\", parsed.get("respproxy_client_connections").samples().get(0).labels().get("listener"));
        assertEquals(0.0022, parsed.get("respproxy_command_duration_seconds")
                .find("respproxy_command_duration_seconds_sum", Map.of()).get(0).value(), 1e-12);
    }

    @Test
    void mistakesAreCaughtWhenDeclaredOrSet() {
        Families f = new Families().gauge("respproxy_x", "X.", "service");
        assertThrows(IllegalArgumentException.class, () -> f.counter("respproxy_y", "no _total"));
        assertThrows(IllegalArgumentException.class, () -> f.gauge("respproxy_x", "twice"));
        assertThrows(IllegalArgumentException.class, () -> f.set("respproxy_x", 1), "missing label value");
        assertThrows(IllegalArgumentException.class, () -> f.set("respproxy_nope", 1, "s"));
    }

    @Test
    void theParserIsStrict() {
        assertThrows(IllegalArgumentException.class, () -> PromText.parse("x 1\n"), "a sample without TYPE");
        assertThrows(IllegalArgumentException.class, () -> PromText.parse("# TYPE x gauge\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n"),
                "a series twice");
        assertThrows(IllegalArgumentException.class, () -> PromText.parse("# TYPE x gauge\nx{a=1} 1\n"), "unquoted");
        assertThrows(IllegalArgumentException.class, () -> PromText.parse("# TYPE x gauge\nx one\n"), "not a number");
        assertThrows(IllegalArgumentException.class, () -> PromText.parse(
                "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 0\n"), "not cumulative");
        assertThrows(IllegalArgumentException.class, () -> PromText.parse(
                "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 2\nh_sum 0\n"), "+Inf != count");
        assertEquals(1, PromText.parse("# HELP x a gauge\n# TYPE x gauge\nx 1\n").get("x").samples().size());
    }
}
