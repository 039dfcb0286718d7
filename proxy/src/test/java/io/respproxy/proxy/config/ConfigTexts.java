package io.respproxy.proxy.config;

/** Small valid configurations for tests to start from. */
final class ConfigTexts {
    private ConfigTexts() {}

    /** One static service on loopback; {@code extra} is added inside the service block. */
    static String staticService(String extra) {
        return """
                respproxy.services.cache {
                  mode = static
                  listen { read = "127.0.0.1:8379", write = "127.0.0.1:8380" }
                  static.servers = ["127.0.0.1:6379", "127.0.0.1:6380"]
                  %s
                }
                """.formatted(extra);
    }
}
