package io.respproxy.proxy.service;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The clients of one event loop whose commands wait for the topology to change (no writable
 * master during a failover, a master that just answered -READONLY). A new topology snapshot wakes
 * them at once ({@link #wake()}, from the topology source's thread); a timer runs them again every
 * {@link #SAFETY_NET_MILLIS} while any wait, only so that hold timeouts fire without a topology
 * change. Touched by its loop only, except {@link #wake()}.
 */
public final class HoldQueue {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(HoldQueue.class);

    /**
     * Something waiting: {@link #retry()} runs it again and says whether it still waits (false:
     * it leaves the queue). A waiter tracks whether it is queued and never adds itself twice.
     */
    public interface Waiter {
        boolean retry();
    }

    static final long SAFETY_NET_MILLIS = 100;

    private final EventLoop loop;
    private List<Waiter> waiting = new ArrayList<>();
    private List<Waiter> spare = new ArrayList<>();
    private final AtomicBoolean wakeQueued = new AtomicBoolean();
    private ScheduledFuture<?> timer;

    public HoldQueue(EventLoop loop) {
        this.loop = loop;
    }

    /** Adds {@code w} (on the loop), which is not queued now. */
    public void add(Waiter w) {
        waiting.add(w);
        if (timer == null) {
            timer = loop.scheduleAtFixedRate(this::retryAll, SAFETY_NET_MILLIS, SAFETY_NET_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** The topology changed: run every waiter again, soon, on the loop. Any thread; coalesced. */
    public void wake() {
        if (wakeQueued.compareAndSet(false, true)) {
            loop.execute(() -> {
                wakeQueued.set(false);
                retryAll();
            });
        }
    }

    /** Waiters in the order they first waited. */
    private void retryAll() {
        List<Waiter> now = waiting;
        waiting = spare;
        try {
            for (Waiter w : now) {
                boolean again;
                try {
                    again = w.retry();
                } catch (RuntimeException e) {
                    // One client's bug must not stall every held client of this loop.
                    log.error("a held client failed to retry; it keeps waiting", e);
                    again = true;
                }
                if (again) {
                    waiting.add(w);
                }
            }
        } finally {
            now.clear();
            spare = now;
        }
        if (waiting.isEmpty() && timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
