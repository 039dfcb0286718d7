package io.respproxy.proxy.admin;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.IOException;
import java.io.StringWriter;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** What each admin path answers; free of Netty channel handling so it is easy to test. */
final class AdminRoutes {
    /** One admin response: status, content type, body. */
    record Response(HttpResponseStatus status, String contentType, String body) {}

    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String JSON = "application/json";

    private final CollectorRegistry registry;
    private final BooleanSupplier readiness;
    private final Supplier<String> topology;

    AdminRoutes(CollectorRegistry registry, BooleanSupplier readiness, Supplier<String> topology) {
        this.registry = registry;
        this.readiness = readiness;
        this.topology = topology;
    }

    Response route(String path) {
        switch (path) {
            case "/healthz":
                return new Response(HttpResponseStatus.OK, TEXT, "ok\n");
            case "/readyz":
                return readiness.getAsBoolean()
                        ? new Response(HttpResponseStatus.OK, TEXT, "ready\n")
                        : new Response(HttpResponseStatus.SERVICE_UNAVAILABLE, TEXT, "not ready\n");
            case "/metrics":
                return new Response(HttpResponseStatus.OK, TextFormat.CONTENT_TYPE_004, metrics());
            case "/topology":
                return new Response(HttpResponseStatus.OK, JSON, topology.get());
            default:
                return new Response(HttpResponseStatus.NOT_FOUND, TEXT, "not found\n");
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
