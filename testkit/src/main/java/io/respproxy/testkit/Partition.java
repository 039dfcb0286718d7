package io.respproxy.testkit;

import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * A network partition on a relay's link: while it is on, the relay's pumps wait before passing
 * bytes either way (held, as TCP keeps retransmitting them, and delivered once it ends), and
 * connections stay open, as they do when packets are dropped.
 */
public final class Partition {

    private volatile boolean on;

    /** Starts ({@code true}) or ends the partition. */
    public void set(boolean on) {
        this.on = on;
    }

    /** Blocks a pump while the partition lasts (or until {@code closed} says the relay closed). */
    public void await(java.util.function.BooleanSupplier closed) throws IOException {
        while (on && !closed.getAsBoolean()) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted in a partition");
            }
        }
    }
}
