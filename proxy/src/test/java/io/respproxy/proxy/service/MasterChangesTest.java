package io.respproxy.proxy.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.respproxy.routing.NodeAddress;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What the per-failover WARN line counts as failed: the writes that failed on the old master
 * before the proxy knew it was gone (a kill resets its connections first), and every one while
 * there was no master; not those of an earlier episode already reported, nor another node's.
 */
class MasterChangesTest {

    private static final NodeAddress A = new NodeAddress("127.0.0.1", 7001);
    private static final NodeAddress B = new NodeAddress("127.0.0.1", 7002);
    private static final NodeAddress C = new NodeAddress("127.0.0.1", 7003);

    private final ServiceRuntime.ServiceStats stats = new ServiceRuntime.ServiceStats();
    private final MasterChanges changes = new MasterChanges("s1", stats, (node, early) -> { },
            new PromotionLoss("s1", stats, false));
    private final Logger log = (Logger) LoggerFactory.getLogger(MasterChanges.class);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void capture() {
        lines.start();
        log.addAppender(lines);
    }

    @AfterEach
    void release() {
        log.detachAppender(lines);
    }

    /** The count in the last line that has one (failover or writable again). */
    private long failedInLastLine() {
        List<ILoggingEvent> events = List.copyOf(lines.list);
        for (int i = events.size() - 1; i >= 0; i--) {
            Matcher m = Pattern.compile("(\\d+) failed as may-have-been-applied").matcher(events.get(i).getFormattedMessage());
            if (m.find()) {
                return Long.parseLong(m.group(1));
            }
        }
        throw new AssertionError("no line with a count: " + events);
    }

    private void failed(NodeAddress node, int n) {
        for (int i = 0; i < n; i++) {
            stats.mayHaveBeenApplied(node);
        }
    }

    @Test
    void writesThatFailedAtTheKillAreCountedWithThoseOfTheWindow() {
        changes.seen(A, null);
        failed(A, 2); // long before: a connection the node closed (counted once A goes)
        changes.seen(A, null); // republished as is (a replica's change): no new baseline
        failed(A, 3); // the kill: its connections reset, before the loss is known
        failed(C, 4); // a replica's: not the master's
        changes.seen(null, null);
        failed(A, 1); // still in flight as the loss became known
        changes.seen(B, null);
        assertEquals(2 + 3 + 1, failedInLastLine(), "A's since it became master, and the window's; not the replica's");
        assertEquals(1, stats.failovers.sum());
    }

    @Test
    void anEpisodeAlreadyReportedIsNotCountedAgain() {
        changes.seen(A, null);
        failed(A, 2);
        changes.seen(null, null);
        changes.seen(A, null); // writable again: reported
        assertEquals(2, failedInLastLine());
        failed(A, 5);
        changes.seen(null, null);
        changes.seen(B, null);
        assertEquals(5, failedInLastLine(), "only those since A was writable again");
        failed(B, 1);
        changes.seen(null, null);
        changes.seen(C, null);
        assertEquals(1, failedInLastLine(), "B's, since it became master");
    }
}
