package io.respproxy.testkit.junit;

import io.respproxy.testkit.RedisTopology;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assertions;

/** Assertions about topologies that any module's ITs may want. */
public final class TopologyAssertions {

    private TopologyAssertions() {
    }

    /** Fails unless every pid the topology ever started is gone (call after close()). */
    public static void assertNoProcessLeft(RedisTopology topology) {
        Set<Long> pids = topology.startedPids();
        Assertions.assertFalse(pids.isEmpty(), "topology started no process?");
        List<Long> alive = pids.stream()
                .filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).toList();
        Assertions.assertEquals(List.of(), alive, "processes still alive after close()");
    }
}
