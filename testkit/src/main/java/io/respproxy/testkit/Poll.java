package io.respproxy.testkit;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/** Bounded polling: every wait in the testkit goes through here, so none can hang a build. */
final class Poll {

    static final Duration INTERVAL = Duration.ofMillis(100);

    private Poll() {
    }

    /**
     * Calls {@code probe} until it returns a value, at most until {@code timeout}. Exceptions from the
     * probe count as "not yet" (a node that is restarting refuses connections); the last one is the
     * cause of the timeout exception.
     */
    static <T> T until(Duration timeout, String what, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (true) {
            try {
                Optional<T> v = probe.get();
                if (v.isPresent()) {
                    return v.get();
                }
            } catch (RuntimeException e) {
                last = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new TopologyTimeoutException("timed out after " + timeout.toMillis() + " ms waiting for "
                        + what + (last != null ? " (last error: " + last.getMessage() + ")" : ""), last);
            }
            sleep(INTERVAL);
        }
    }

    /** {@link #until} for a yes/no condition. */
    static void untilTrue(Duration timeout, String what, Supplier<Boolean> condition) {
        until(timeout, what, () -> condition.get() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
