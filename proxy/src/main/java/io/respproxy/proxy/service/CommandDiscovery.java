package io.respproxy.proxy.service;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.respproxy.proxy.backend.BackendCredentials;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.command.CommandInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks a backend for its {@code COMMAND} table so that module commands (JSON.GET, FT.SEARCH, ...)
 * are known to the router: without it they would be unknown commands. Runs once per service, off
 * the data path, when the service first knows a master.
 */
final class CommandDiscovery {

    private static final Logger log = LoggerFactory.getLogger(CommandDiscovery.class);

    private CommandDiscovery() {}

    /**
     * The backend's commands as legacy entries (name, arity, flags, first/last/step), the part every
     * Redis since 2.8 reports in the same shape; an empty list when the backend cannot be asked.
     */
    static List<CommandInfo> fetch(ClientResources resources, NodeAddress node, BackendCredentials creds,
                                   Duration timeout) {
        RedisClient client = RedisClient.create(resources);
        try {
            client.setOptions(ClientOptions.builder()
                    .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                    .autoReconnect(false)
                    .build());
            RedisURI.Builder uri = RedisURI.builder().withHost(node.host()).withPort(node.port()).withTimeout(timeout);
            byte[] password = creds.password();
            if (password != null) {
                char[] chars = new String(password, StandardCharsets.UTF_8).toCharArray();
                java.util.Arrays.fill(password, (byte) 0);
                if (creds.user() != null) {
                    uri.withAuthentication(creds.user(), chars);
                } else {
                    uri.withPassword(chars);
                }
            }
            try (StatefulRedisConnection<String, String> conn = client.connect(StringCodec.UTF8, uri.build())) {
                return parse(conn.sync().command());
            }
        } catch (RuntimeException e) {
            log.warn("could not read COMMAND from {} ({}); module commands stay unknown", node, e.getMessage());
            return List.of();
        } finally {
            client.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    /** Each entry: [name, arity, [flags], first, last, step, ...]; entries of another shape are skipped. */
    static List<CommandInfo> parse(List<Object> reply) {
        List<CommandInfo> out = new ArrayList<>(reply.size());
        for (Object o : reply) {
            if (!(o instanceof List<?> e) || e.size() < 6 || !(e.get(2) instanceof List<?> flags)) {
                continue;
            }
            List<String> flagNames = new ArrayList<>(flags.size());
            for (Object f : flags) {
                flagNames.add(String.valueOf(f).toLowerCase(java.util.Locale.ROOT));
            }
            try {
                out.add(CommandInfo.legacy(String.valueOf(e.get(0)).toLowerCase(java.util.Locale.ROOT),
                        number(e.get(1)), flagNames, number(e.get(3)), number(e.get(4)), number(e.get(5))));
            } catch (IllegalArgumentException bad) {
                log.debug("skipping backend command entry {}: {}", e.get(0), bad.getMessage());
            }
        }
        return out;
    }

    private static int number(Object o) {
        return o instanceof Number n ? n.intValue() : Integer.parseInt(String.valueOf(o));
    }
}
