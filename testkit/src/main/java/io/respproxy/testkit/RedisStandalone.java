package io.respproxy.testkit;

import io.lettuce.core.RedisURI;
import java.util.List;

/** One redis-server. Start with {@link RedisTopologies#standalone()}. */
public final class RedisStandalone extends ProcessTopology implements RunningRedis {

    private RedisNode node;

    private RedisStandalone(TopologySettings settings) {
        super("standalone", settings);
    }

    /** The server. */
    public RedisNode node() {
        return node;
    }

    @Override
    public RedisEndpoint endpoint() {
        return node.endpoint();
    }

    /** A Lettuce URI for the server, with credentials. */
    public RedisURI redisUri() {
        return node.redisUri();
    }

    /** Builder for {@link RedisStandalone}. */
    public static final class Builder extends TopologyBuilder<Builder> {

        Builder() {
        }

        /** Starts the server and waits until it answers. */
        public RedisStandalone start() {
            TopologySettings s = settings();
            return startedOrClosed(new RedisStandalone(s), t ->
                    t.node = t.startDataNode("redis", port -> RedisConf.server(port, t.dir.resolve("redis"), s.auth())));
        }
    }

    @Override
    public String toString() {
        return "RedisStandalone" + List.of(node);
    }
}
