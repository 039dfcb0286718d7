package io.respproxy.proxy.admin;

/**
 * What {@code /readyz} answers: 200 when {@code ready}, 503 otherwise, with {@code json} as the
 * body (the reason per service that is not ready).
 */
public record ReadyState(boolean ready, String json) {

    /** The daemon is stopping: load balancers must drain it, whatever the services say. */
    public static final ReadyState STOPPING = new ReadyState(false, "{\"ready\":false,\"reason\":\"stopping\"}");

    /** Readiness without detail. */
    public static ReadyState of(boolean ready) {
        return new ReadyState(ready, "{\"ready\":" + ready + "}");
    }
}
