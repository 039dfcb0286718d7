package io.respproxy.cluster;

import io.lettuce.core.resource.ClientResources;
import io.respproxy.health.HealthSettings;
import io.respproxy.health.NodeHealthMonitor;
import io.respproxy.health.NodeState;
import io.respproxy.health.SourceThread;
import io.respproxy.health.VerifiedShardBuilder;
import io.respproxy.routing.AddressMap;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import io.respproxy.routing.Topology;
import io.respproxy.routing.TopologySource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code mode = cluster}: which master owns each hash slot, by the word of the cluster's nodes
 * ({@link ClusterAgreement} over every reachable node's {@code CLUSTER SHARDS} / {@code SLOTS}),
 * each master verified by the health monitor before writes go to it, and replicas serving reads
 * when the monitor finds them fit. The nodes are asked every {@code cluster.refresh-interval},
 * every 100 ms while anything is unsettled, and at once (coalesced) when the data path saw a
 * MOVED, a CLUSTERDOWN or a failed connection. A MOVED also patches the slot map at once, until
 * the nodes agree on a new one. Nodes that left are forgotten, new ones learned. All state lives
 * on one thread.
 */
public final class ClusterTopologySource implements TopologySource {

    private static final Logger log = LoggerFactory.getLogger(ClusterTopologySource.class);

    /** How often the schedule looks whether a query is due (a requested refresh waits at most this). */
    private static final long TICK_MILLIS = 25;
    /** A requested refresh runs no sooner than this after the previous query: MOVED storms coalesce. */
    private static final long MIN_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** A MOVED patch the nodes have not agreed on within this is dropped (a later MOVED patches again). */
    private static final long PATCH_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final String service;
    private final ClusterSettings settings;
    private final AddressMap nat;
    private final ClientResources resources;
    private final NodeHealthMonitor monitor;
    private final VerifiedShardBuilder shards;
    private final SourceThread thread;
    private final Map<NodeAddress, ClusterNodeLink> links = new LinkedHashMap<>();
    private final Set<NodeAddress> seeds = new LinkedHashSet<>();
    /** Per node: answered on the last query (null: not asked yet), for logging transitions. */
    private final Map<NodeAddress, Boolean> answering = new HashMap<>();
    /** Slots a MOVED reassigned since the nodes last agreed: slot -> the master that took it. */
    private final Map<Integer, NodeAddress> moved = new HashMap<>();
    /** When the last MOVED patch was made: patches the nodes never confirm are dropped after {@link #PATCH_NANOS}. */
    private long movedAtNanos;
    private Consumer<Topology> listener = t -> { };
    private volatile Topology current = Topology.unknown("the cluster nodes have not been asked yet");
    private volatile boolean refreshWanted;
    private long version;
    private ClusterView agreed;
    private boolean disagreeing;
    private Map<NodeAddress, NodeState> states = Map.of();
    private Set<NodeAddress> watching = Set.of();
    private boolean queryInFlight;
    private long lastQueryNanos;
    private int lastUnowned;

    /**
     * @param monitor   probes the data nodes; owned (closed) by this source
     * @param resources Lettuce's threads for the queries, shared with the rest of the daemon: not
     *                  shut down by {@link #close()}
     */
    public ClusterTopologySource(String service, ClusterSettings settings, AddressMap nat, HealthSettings health,
                                 NodeHealthMonitor monitor, ClientResources resources) {
        this.service = service;
        this.settings = settings;
        this.nat = nat;
        this.resources = resources;
        this.monitor = monitor;
        this.shards = new VerifiedShardBuilder(health, "the cluster");
        this.thread = new SourceThread("cluster", service, log);
    }

    @Override
    public void start(Consumer<Topology> listener) {
        thread.execute(() -> {
            this.listener = listener;
            for (NodeAddress s : settings.seeds()) {
                NodeAddress to = nat.reachable(s);
                if (!to.equals(s)) {
                    log.info("[{}] seed {}", service, nat.describe(s));
                }
                seeds.add(to);
                link(to);
            }
            monitor.start(List.of(), s -> thread.onThread(() -> {
                states = NodeState.byAddress(s);
                publish();
            }));
            query();
        });
        thread.every(TICK_MILLIS, this::tick, "cluster refresh");
    }

    @Override
    public AddressMap addressMap() {
        return nat;
    }

    @Override
    public Topology current() {
        return current;
    }

    @Override
    public void reportFailure(NodeAddress node) {
        monitor.markDown(node, "connection failure seen by the data path");
        refreshWanted = true;
    }

    @Override
    public void requestRefresh() {
        refreshWanted = true;
    }

    @Override
    public void reportClosedConnection(NodeAddress node) {
        monitor.connectionClosedBy(node);
        refreshWanted = true;
    }

    @Override
    public void reportReadOnly(NodeAddress node) {
        monitor.reportReadOnly(node);
        refreshWanted = true;
    }

    @Override
    public NodeAddress reachable(NodeAddress announced) {
        return nat.reachable(announced);
    }

    @Override
    public void reportMoved(int slot, NodeAddress node) {
        thread.onThread(() -> {
            movedAtNanos = System.nanoTime();
            if (!node.equals(moved.put(slot, node))) {
                publish();
            }
        });
        refreshWanted = true;
    }

    /** The data nodes' health, for the admin view and INFO. */
    public List<NodeState> nodeStates() {
        return monitor.states();
    }

    private void tick() {
        long since = System.nanoTime() - lastQueryNanos;
        boolean unsettled = agreed == null || disagreeing || !moved.isEmpty() || anyShardWithoutMaster();
        long every = (unsettled ? ClusterSettings.UNSETTLED_REFRESH : settings.refreshInterval()).toNanos();
        if (since >= every || (refreshWanted && since >= MIN_GAP_NANOS)) {
            query();
        }
    }

    private boolean anyShardWithoutMaster() {
        return current.shards().stream().anyMatch(s -> !s.hasMaster());
    }

    /** Asks every known node now, unless a query is out (its answer comes soon enough). */
    private void query() {
        if (thread.closed() || queryInFlight) {
            return;
        }
        queryInFlight = true;
        refreshWanted = false;
        lastQueryNanos = System.nanoTime();
        List<ClusterNodeLink> asked = new ArrayList<>(links.values());
        List<CompletableFuture<ClusterView>> answers = new ArrayList<>(asked.size());
        for (ClusterNodeLink l : asked) {
            answers.add(l.query());
        }
        thread.afterAll(answers, () -> {
            queryInFlight = false;
            Map<NodeAddress, ClusterView> views = new LinkedHashMap<>();
            for (int i = 0; i < asked.size(); i++) {
                ClusterNodeLink link = asked.get(i);
                CompletableFuture<ClusterView> a = answers.get(i);
                if (a.isCompletedExceptionally()) {
                    a.exceptionally(t -> {
                        link.failed(t);
                        return null;
                    });
                    noteAnswer(link, false);
                } else {
                    link.answered();
                    noteAnswer(link, true);
                    views.put(link.address(), a.join());
                }
            }
            try {
                apply(views);
            } catch (RuntimeException ex) {
                // Thrown here it would vanish in the future: the map would freeze without a word.
                log.error("[{}] could not apply the cluster nodes' answers", service, ex);
            }
        });
    }

    private void noteAnswer(ClusterNodeLink link, boolean ok) {
        Boolean before = answering.put(link.address(), ok);
        if ((before == null && !ok) || (before != null && before && !ok)) {
            log.warn("[{}] cluster node {} does not answer: {}", service, link.address(), link.lastFailure());
        } else if (before != null && !before && ok) {
            log.info("[{}] cluster node {} answers again", service, link.address());
        }
    }

    private void apply(Map<NodeAddress, ClusterView> views) {
        ClusterView before = agreed;
        ClusterView next = ClusterAgreement.choose(views, before);
        // Only the agreed view's own nodes count: a seed that left the cluster may say anything.
        disagreeing = next != null && views.entrySet().stream()
                .anyMatch(e -> next.hasNode(e.getKey()) && !e.getValue().sameSlotOwners(next));
        if (next == null) {
            if (before == null) {
                publishUnknown(views);
            }
            return;
        }
        agreed = next;
        if (before == null || !before.sameSlotOwners(next)
                || System.nanoTime() - movedAtNanos > PATCH_NANOS) {
            moved.clear(); // the nodes agree on a new map: it has what the redirects said, and more
        }
        if (before == null || !before.sameSlotOwners(next)) {
            log.info("[{}] cluster slot map: {}", service, next.describe());
        }
        learn(next);
        publish();
    }

    /** Links to every node of the view (and the seeds); forgets nodes that left. */
    private void learn(ClusterView view) {
        Set<NodeAddress> known = new LinkedHashSet<>(seeds);
        Set<NodeAddress> data = new LinkedHashSet<>();
        for (ClusterView.ViewShard s : view.shards()) {
            data.add(s.master().address());
            s.replicas().forEach(r -> data.add(r.address()));
        }
        known.addAll(data);
        for (NodeAddress n : known) {
            if (!links.containsKey(n)) {
                link(n);
                if (!seeds.contains(n)) {
                    log.info("[{}] learned cluster node {}", service, n);
                }
            }
        }
        for (NodeAddress n : List.copyOf(links.keySet())) {
            if (!known.contains(n)) {
                log.info("[{}] cluster node {} left the cluster", service, n);
                links.remove(n).close();
                answering.remove(n);
            }
        }
        if (!data.equals(watching)) {
            watching = Set.copyOf(data);
            monitor.watch(watching);
        }
    }

    private void link(NodeAddress n) {
        if (!thread.closed()) {
            links.computeIfAbsent(n, a -> new ClusterNodeLink(a, settings, nat, resources));
        }
    }

    private void publishUnknown(Map<NodeAddress, ClusterView> views) {
        StringBuilder why = new StringBuilder("no cluster node answered CLUSTER SHARDS / SLOTS");
        for (ClusterNodeLink l : links.values()) {
            if (l.lastFailure() != null) {
                why.append("; ").append(l.address()).append(": ").append(l.lastFailure());
            }
        }
        Topology next = Topology.unknown(why.toString());
        if (!next.primaryShard().noMasterReason().equals(current.primaryShard().noMasterReason())) {
            current = next; // version 0: nothing was ever known
            listener.accept(next);
        }
    }

    private void publish() {
        if (thread.closed() || agreed == null) {
            return;
        }
        List<Shard> out = new ArrayList<>(agreed.shards().size());
        for (ClusterView.ViewShard s : agreed.shards()) {
            NodeAddress m = s.master().address();
            Map<NodeAddress, String> fenced = s.master().serving() ? Map.of()
                    : Map.of(m, "the cluster marks " + m + " as failed");
            List<NodeAddress> replicas = s.replicas().stream().filter(ClusterView.ViewNode::serving)
                    .map(ClusterView.ViewNode::address).toList();
            out.add(shards.build(s.master().id(), m, null, replicas, fenced, states));
        }
        short[] owner = agreed.slotOwners(moved);
        Topology next = Topology.cluster(version + 1, out, owner);
        if (next.sameRoutingAs(current)) {
            return;
        }
        version++;
        Topology previous = current;
        current = next;
        logChanges(previous, next, owner);
        try {
            listener.accept(next);
        } catch (RuntimeException ex) {
            log.error("[{}] topology listener failed", service, ex);
        }
    }

    private void logChanges(Topology previous, Topology next, short[] owner) {
        Map<String, Shard> old = new HashMap<>();
        previous.shards().forEach(s -> old.put(s.id(), s));
        for (Shard s : next.shards()) {
            Shard was = old.get(s.id());
            if (s.hasMaster() && (was == null || !s.master().equals(was.master()) || !was.hasMaster())) {
                log.info("[{}] shard {}: master {}, read replicas {}", service, shortId(s.id()), s.master(),
                        s.readReplicas());
            } else if (!s.hasMaster() && (was == null || was.hasMaster()
                    || !s.noMasterReason().equals(was.noMasterReason()))) {
                boolean starting = s.noMasterReason().contains("probed yet");
                if (starting) {
                    log.info("[{}] shard {} waiting: {}", service, shortId(s.id()), s.noMasterReason());
                } else {
                    log.warn("[{}] shard {}: no writable master: {}", service, shortId(s.id()), s.noMasterReason());
                }
            }
        }
        int unowned = 0;
        for (short o : owner) {
            unowned += o < 0 ? 1 : 0;
        }
        if (unowned != lastUnowned) {
            if (unowned > 0) {
                log.warn("[{}] {} hash slots are not served by any node: their commands get -CLUSTERDOWN",
                        service, unowned);
            } else {
                log.info("[{}] every hash slot is served again", service);
            }
            lastUnowned = unowned;
        }
    }

    private static String shortId(String id) {
        return id.length() > 8 ? id.substring(0, 8) : id;
    }

    @Override
    public void close() {
        thread.close(() -> links.values().forEach(ClusterNodeLink::close));
        monitor.close();
    }
}
