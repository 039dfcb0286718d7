package io.respproxy.testkit;

import io.lettuce.core.MigrateArgs;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * One slot moved from master to master with its keys, in the steps of {@code redis-cli --cluster
 * reshard}: IMPORTING on the target, MIGRATING on the source, MIGRATE key by key, then SETSLOT NODE
 * on the target, the source and every other master. See {@link RedisCluster#moveSlot}.
 */
final class SlotMigration {

    /** After MIGRATING, before the first key moves: the source sends a key it lacks to the target (-ASK). */
    static final Duration BEFORE_KEYS = Duration.ofMillis(300);
    /** After each batch: a client of a key that moved meets -ASK. */
    static final Duration AFTER_BATCH = Duration.ofMillis(200);
    static final int BATCH = 10;
    /** MIGRATE's own timeout, and the admin connections' command timeout (above it). */
    private static final long MIGRATE_TIMEOUT_MS = 5000;
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

    private SlotMigration() {
    }

    static void run(RedisCluster c, int slot, RedisNode from, RedisNode to) {
        String fromId = c.nodeId(from);
        String toId = c.nodeId(to);
        call(to, dst -> dst.clusterSetSlotImporting(slot, fromId));
        call(from, src -> {
            src.clusterSetSlotMigrating(slot, toId);
            Poll.sleep(BEFORE_KEYS);
            List<String> keys;
            while (!(keys = src.clusterGetKeysInSlot(slot, BATCH)).isEmpty()) {
                for (String k : keys) {
                    // MIGRATE dials from 127.0.0.1, which a NAT relay refuses: the real address
                    src.migrate(to.endpoint().host(), to.endpoint().port(), 0, MIGRATE_TIMEOUT_MS, args(k, to.auth()));
                }
                Poll.sleep(AFTER_BATCH);
            }
            return null;
        });
        call(to, dst -> dst.clusterSetSlotNode(slot, toId));
        call(from, src -> src.clusterSetSlotNode(slot, toId));
        for (RedisNode m : c.masters()) {
            if (m != from && m != to) {
                call(m, other -> other.clusterSetSlotNode(slot, toId));
            }
        }
    }

    /** One key, with the target's credentials. */
    private static MigrateArgs<String> args(String key, Credentials auth) {
        MigrateArgs<String> a = MigrateArgs.Builder.key(key);
        if (auth == null) {
            return a;
        }
        return auth.isAclUser() ? a.auth2(auth.user(), auth.password()) : a.auth(auth.password());
    }

    private static <T> T call(RedisNode n, Function<RedisCommands<String, String>, T> fn) {
        return n.admin().call(n.endpoint(), n.auth(), COMMAND_TIMEOUT, fn);
    }
}
