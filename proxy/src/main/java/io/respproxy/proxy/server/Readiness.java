package io.respproxy.proxy.server;

import java.util.Map;

/**
 * What /readyz answers: ready only when every service is, with the reason per service that is
 * not, as JSON: {@code {"ready":false,"services":{"orders":{"ready":false,"reason":"..."}}}}.
 *
 * @param ready whether this proxy should get traffic (a load balancer or keepalived asks)
 * @param json  the response body
 */
public record Readiness(boolean ready, String json) {

    /** Readiness without detail, for a data plane that only knows yes or no. */
    public static Readiness of(boolean ready) {
        return new Readiness(ready, "{\"ready\":" + ready + "}");
    }

    /** @param reasons per service in order: null when it is ready, else why not */
    public static Readiness of(Map<String, String> reasons) {
        boolean all = true;
        StringBuilder services = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, String> e : reasons.entrySet()) {
            all &= e.getValue() == null;
            Json.key(services, first, e.getKey()).append("{\"ready\":").append(e.getValue() == null);
            if (e.getValue() != null) {
                Json.key(services, false, "reason");
                Json.str(services, e.getValue());
            }
            services.append('}');
            first = false;
        }
        services.append('}');
        return new Readiness(all, "{\"ready\":" + all + ",\"services\":" + services + "}");
    }
}
