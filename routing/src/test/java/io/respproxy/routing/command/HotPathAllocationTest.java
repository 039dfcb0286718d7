package io.respproxy.routing.command;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.ArrayCommandArgs;
import io.respproxy.routing.slot.SlotHash;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Lookup, key extraction and slot hashing allocate nothing per request (measured, not timed). */
class HotPathAllocationTest {

    @Test
    void hotPathDoesNotAllocate() {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean)
                || !bean.isThreadAllocatedMemorySupported()) {
            Assumptions.abort("thread allocation counter not available");
            return;
        }
        CommandTable table = CommandTable.builtin();
        ArrayCommandArgs[] requests = {
            ArrayCommandArgs.of("get", "{user}.a"),
            ArrayCommandArgs.of("CONFIG", "GET", "maxmemory"),
            ArrayCommandArgs.of("XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "a", "b", "0", "0"),
            ArrayCommandArgs.of("EVAL", "s", "2", "k1", "k2"),
            ArrayCommandArgs.of("MSET", "a", "1", "b", "2"),
            ArrayCommandArgs.of("nosuchcommand", "x"),
        };
        int[] out = new int[8];
        long sink = 0;
        for (int warm = 0; warm < 20_000; warm++) {
            sink += run(table, requests, out);
        }
        long tid = Thread.currentThread().getId();
        long before = bean.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 100_000; i++) {
            sink += run(table, requests, out);
        }
        long allocated = bean.getThreadAllocatedBytes(tid) - before;
        // one allocation per request would be megabytes; allow the counter's own noise
        assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes (sink " + sink + ")");
    }

    private static long run(CommandTable table, ArrayCommandArgs[] requests, int[] out) {
        long sum = 0;
        for (ArrayCommandArgs args : requests) {
            CommandSpec spec = table.lookup(args);
            int n = spec.keyIndexes(args, out);
            sum += n + spec.keyCount(args) + spec.keyIndex(args, 0) + (spec.isBlocking(args) ? 1 : 0);
            for (int k = 0; k < n; k++) {
                sum += SlotHash.slot(args, out[k]);
            }
        }
        return sum;
    }
}
