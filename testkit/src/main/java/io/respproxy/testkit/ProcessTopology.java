package io.respproxy.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every process-based topology shares: its dir, its admin client, its nodes and their cleanup. */
abstract class ProcessTopology implements RedisTopology {

    /** Set to true to keep node dirs (configs, logs) after close, for debugging. */
    static final String KEEP_DIRS_PROPERTY = "respproxy.testkit.keepDirs";

    private static final Logger LOG = LoggerFactory.getLogger(ProcessTopology.class);

    final TopologySettings settings;
    final Path dir;
    final AdminClient admin = new AdminClient();
    private final List<RedisNode> nodes = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    ProcessTopology(String kind, TopologySettings settings) {
        this.settings = settings;
        this.dir = TestkitDirs.newTopologyDir(kind);
    }

    /** Starts a data node with the topology's credentials, the given lines and the caller's extra lines. */
    RedisNode startDataNode(String name, IntFunction<List<String>> lines) {
        return startNode(name, false, settings.auth(), lines);
    }

    RedisNode startNode(String name, boolean sentinel, Credentials clientAuth, IntFunction<List<String>> lines) {
        RedisNode node = RedisNode.start(name, sentinel, dir, settings.binary(), clientAuth, admin,
                settings.startTimeout(), port -> {
                    List<String> extra = settings.extraConfig().linesFor(new NodeSpec(name, port, sentinel));
                    return java.util.stream.Stream.concat(lines.apply(port).stream(), extra.stream()).toList();
                });
        nodes.add(node);
        return node;
    }

    /** Runs the rest of a builder's start; on failure closes what was started so nothing leaks. */
    static <T extends ProcessTopology> T startedOrClosed(T topology, java.util.function.Consumer<T> start) {
        try {
            start.accept(topology);
            return topology;
        } catch (RuntimeException | Error e) {
            topology.close();
            throw e;
        }
    }

    Duration awaitTimeout() {
        return settings.startTimeout();
    }

    @Override
    public List<RedisNode> nodes() {
        return List.copyOf(nodes);
    }

    @Override
    public Optional<Credentials> credentials() {
        return Optional.ofNullable(settings.auth());
    }

    @Override
    public RedisBinary binary() {
        return settings.binary();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (RedisNode n : nodes) {
            try {
                n.kill();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        admin.close();
        if (Boolean.getBoolean(KEEP_DIRS_PROPERTY)) {
            LOG.info("keeping {}", dir);
        } else {
            TestkitDirs.deleteTree(dir);
        }
        if (failure != null) {
            throw failure;
        }
    }
}
