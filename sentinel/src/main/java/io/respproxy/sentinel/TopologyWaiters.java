package io.respproxy.sentinel;

import io.respproxy.routing.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Futures waiting for a published topology that passes their test (a switchover waiting for its
 * replicas to be in sync, then for the new master). Owned by the source's thread.
 */
final class TopologyWaiters {

    private record Waiter(Predicate<Topology> test, CompletableFuture<Topology> future) {}

    private final List<Waiter> waiting = new ArrayList<>();

    /** Completes {@code future} with {@code current} if it passes already, else with the first later one that does. */
    void add(Predicate<Topology> test, CompletableFuture<Topology> future, Topology current) {
        waiting.add(new Waiter(test, future));
        published(current);
    }

    void published(Topology t) {
        waiting.removeIf(w -> {
            if (!w.future.isDone() && w.test.test(t)) {
                w.future.complete(t);
            }
            return w.future.isDone();
        });
    }
}
