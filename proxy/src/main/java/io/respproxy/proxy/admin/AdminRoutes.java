package io.respproxy.proxy.admin;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import io.respproxy.routing.SwitchoverResult;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.function.Supplier;

/** What each admin path answers; free of Netty channel handling so it is easy to test. */
final class AdminRoutes {
    /** One admin response: status, content type, body. */
    record Response(HttpResponseStatus status, String contentType, String body) {}

    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String JSON = "application/json";

    /** How long a switchover may take unless the request says {@code ?timeout=SECONDS}. */
    static final Duration DEFAULT_SWITCHOVER_TIMEOUT = Duration.ofSeconds(30);
    /** Below the admin connection's idle timeout (60 s), which would cut the request first. */
    static final long MAX_SWITCHOVER_SECONDS = 50;
    private static final Pattern SWITCHOVER = Pattern.compile("/services/([^/]+)/switchover");

    private final CollectorRegistry registry;
    private final Supplier<ReadyState> readiness;
    private final Supplier<String> topology;
    private final Switchovers switchovers;

    AdminRoutes(CollectorRegistry registry, Supplier<ReadyState> readiness, Supplier<String> topology,
                Switchovers switchovers) {
        this.registry = registry;
        this.readiness = readiness;
        this.topology = topology;
        this.switchovers = switchovers;
    }

    /** POST: the operator's actions. Completes when the action is done (a switchover takes seconds). */
    CompletableFuture<Response> post(String path, Map<String, List<String>> query) {
        Matcher m = SWITCHOVER.matcher(path);
        if (!m.matches()) {
            boolean readOnly = route(path).status() != HttpResponseStatus.NOT_FOUND;
            return CompletableFuture.completedFuture(readOnly
                    ? new Response(HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT, "use GET\n")
                    : new Response(HttpResponseStatus.NOT_FOUND, TEXT, "not found\n"));
        }
        String service = m.group(1);
        Duration timeout = DEFAULT_SWITCHOVER_TIMEOUT;
        List<String> t = query.get("timeout");
        if (t != null && !t.isEmpty()) {
            try {
                long seconds = Long.parseLong(t.get(0));
                if (seconds < 1 || seconds > MAX_SWITCHOVER_SECONDS) {
                    throw new NumberFormatException();
                }
                timeout = Duration.ofSeconds(seconds);
            } catch (NumberFormatException e) {
                return CompletableFuture.completedFuture(new Response(HttpResponseStatus.BAD_REQUEST, JSON,
                        "{\"error\":\"timeout must be a number of seconds from 1 to " + MAX_SWITCHOVER_SECONDS
                                + "\"}\n"));
            }
        }
        CompletableFuture<SwitchoverResult> running;
        try {
            running = switchovers.switchover(service, timeout);
        } catch (RuntimeException e) {
            running = CompletableFuture.failedFuture(e);
        }
        return running.handle((r, e) -> {
            if (e == null) {
                return new Response(HttpResponseStatus.OK, JSON, "{\"service\":\"" + json(service) + "\",\"from\":\""
                        + r.from() + "\",\"to\":\"" + r.to() + "\",\"held_ms\":" + r.heldMillis() + "}\n");
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            HttpResponseStatus status = cause instanceof java.util.NoSuchElementException ? HttpResponseStatus.NOT_FOUND
                    : cause instanceof UnsupportedOperationException ? HttpResponseStatus.BAD_REQUEST
                    : HttpResponseStatus.CONFLICT;
            return new Response(status, JSON, "{\"service\":\"" + json(service) + "\",\"error\":\""
                    + json(String.valueOf(cause.getMessage())) + "\"}\n");
        });
    }

    private static String json(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    Response route(String path) {
        switch (path) {
            case "/healthz":
                return new Response(HttpResponseStatus.OK, TEXT, "ok\n");
            case "/readyz": {
                ReadyState r = readiness.get();
                return new Response(r.ready() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, JSON,
                        r.json() + "\n");
            }
            case "/metrics":
                return new Response(HttpResponseStatus.OK, TextFormat.CONTENT_TYPE_004, metrics());
            case "/topology":
                return new Response(HttpResponseStatus.OK, JSON, topology.get());
            default:
                return SWITCHOVER.matcher(path).matches()
                        ? new Response(HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT, "use POST\n")
                        : new Response(HttpResponseStatus.NOT_FOUND, TEXT, "not found\n");
        }
    }

    private String metrics() {
        StringWriter out = new StringWriter();
        try {
            TextFormat.write004(out, registry.metricFamilySamples());
        } catch (IOException e) {
            throw new IllegalStateException("StringWriter does not throw", e);
        }
        return out.toString();
    }
}
