package io.respproxy.proxy.service;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/** Which clients an over-budget event loop closes (pure: see {@link ClientMemory}). */
final class EvictionPlan {

    private EvictionPlan() {}

    /**
     * The part of the process's excess ({@code global - budget}) that a loop holding {@code own}
     * of {@code global} bytes frees: in proportion, rounded up, so the loops together free it all.
     */
    static long share(long own, long global, long budget) {
        if (global <= budget || own <= 0) {
            return 0;
        }
        double excess = global - budget;
        return Math.min(own, (long) Math.ceil(excess * own / global));
    }

    /**
     * Whether a loop holding {@code own} of {@code global} bytes takes part in freeing the excess:
     * only if it holds at least an even share of it ({@code global / loops}). A loop holding
     * little would otherwise close its largest client however small (a well-behaved client with a
     * few KB, while stalled ones hold megabytes on another loop), where Redis closes the largest
     * clients of the whole process; the loops holding more free the excess, scan after scan.
     */
    static boolean takesPart(long own, long global, int loops) {
        return own > 0 && own * Math.max(1, loops) >= global;
    }

    /**
     * The indices of the largest {@code sizes}, largest first, until they add up to
     * {@code toFree}; clients holding nothing are never chosen.
     */
    static int[] largestFirst(long[] sizes, long toFree) {
        Integer[] order = IntStream.range(0, sizes.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingLong((Integer i) -> sizes[i]).reversed());
        int n = 0;
        long freed = 0;
        while (n < order.length && freed < toFree && sizes[order[n]] > 0) {
            freed += sizes[order[n]];
            n++;
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = order[i];
        }
        return out;
    }
}
