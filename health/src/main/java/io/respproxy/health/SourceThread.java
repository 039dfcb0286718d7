package io.respproxy.health;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * The one thread a topology source's state lives on (Sentinel and cluster mode): a daemon thread
 * named {@code respproxy-KIND-SERVICE} that runs the source's startup, its periodic tick, the
 * answers of its queries and the reports of the data path, one at a time and in order, so the
 * source needs no locks. Closing runs a last task on it, then stops it; what arrives afterwards
 * (late answers, events, reports) is dropped.
 */
public final class SourceThread implements Executor {

    /** How long {@link #close} waits for its last task before stopping the thread anyway. */
    private static final long CLOSE_WAIT_MILLIS = 2_000;

    private final String service;
    private final Logger log;
    private final ScheduledExecutorService scheduler;
    private volatile boolean closed;

    /**
     * @param kind    the source's kind, in the thread's name ({@code cluster}, {@code sentinel})
     * @param service the service, in the thread's name and in every log line
     * @param log     the source's logger: a task or tick that throws is logged as the source's own line
     */
    public SourceThread(String kind, String service, Logger log) {
        this.service = service;
        this.log = log;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "respproxy-" + kind + "-" + service);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs {@code task} on this thread.
     *
     * @throws RejectedExecutionException once closed: for the source's own calls (start, and the
     *                                    continuations of its queries), which must not run late
     */
    @Override
    public void execute(Runnable task) {
        scheduler.execute(logged(task, "source task"));
    }

    /** Runs {@code task} on this thread; nothing once it is closed (late answers, events, reports). */
    public void onThread(Runnable task) {
        try {
            scheduler.execute(logged(task, "source task"));
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    /** Runs {@code task} on this thread in {@code millis}; throws once closed, as {@link #execute}. */
    public void schedule(Runnable task, long millis) {
        scheduler.schedule(logged(task, "scheduled source task"), millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Runs {@code then} on this thread once every one of {@code answers} is complete, normally or
     * not (a query's round of answers); nothing if the source was closed meanwhile.
     */
    public void afterAll(List<? extends CompletableFuture<?>> answers, Runnable then) {
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).whenCompleteAsync((x, e) -> {
            if (!closed) {
                logged(then, "handling of query answers").run();
            }
        }, scheduler);
    }

    /**
     * Runs {@code tick} every {@code millis} (the first time after {@code millis}), each run that
     * long after the previous one ended. A tick that throws is logged at ERROR as
     * {@code [service] WHAT failed} and the next one runs as usual.
     */
    public void every(long millis, Runnable tick, String what) {
        // (A throw would also cancel the schedule, and with it every later tick.)
        scheduler.scheduleWithFixedDelay(logged(tick, what), millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * {@code task}, logging what it throws at ERROR as {@code [service] WHAT failed}: the executor
     * would keep it in a future nobody reads, and the source's state would go wrong silently.
     */
    private Runnable logged(Runnable task, String what) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("[{}] {} failed", service, what, e);
            }
        };
    }

    /** True once {@link #close} has begun on this thread: the source's state is being torn down. */
    public boolean closed() {
        return closed;
    }

    /**
     * Marks the thread closed and runs {@code last} on it after every task submitted before, waits
     * for it (at most 2 s: a stuck thread does not stop the daemon's shutdown), then stops the
     * thread; pending and scheduled tasks are dropped. The caller closes what the source owns
     * (the health monitor) afterwards. Not to be called from this thread (it would wait 2 s).
     */
    public void close(Runnable last) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            scheduler.execute(() -> {
                closed = true;
                last.run();
                done.complete(null);
            });
            done.get(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // closing anyway
        }
        scheduler.shutdownNow();
    }
}
