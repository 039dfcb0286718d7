package io.respproxy.testkit;

import java.util.Objects;

/** A {@code host:port} a Redis node or Sentinel listens on. The testkit only ever binds 127.0.0.1. */
public record RedisEndpoint(String host, int port) {

    /** The loopback address every testkit node binds to, and nothing else. */
    public static final String LOOPBACK = "127.0.0.1";

    public RedisEndpoint {
        Objects.requireNonNull(host, "host");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /** An endpoint on 127.0.0.1. */
    public static RedisEndpoint loopback(int port) {
        return new RedisEndpoint(LOOPBACK, port);
    }

    /** Parses {@code host:port}, as Sentinel and CLUSTER NODES print them. */
    public static RedisEndpoint parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("not host:port: " + hostPort);
        }
        return new RedisEndpoint(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
