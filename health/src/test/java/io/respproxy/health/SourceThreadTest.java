package io.respproxy.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class SourceThreadTest {

    final ch.qos.logback.classic.Logger log =
            (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(SourceThreadTest.class);
    final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    final SourceThread thread = new SourceThread("cluster", "orders", log);

    SourceThreadTest() {
        logged.start();
        log.addAppender(logged);
    }

    @AfterEach
    void tearDown() {
        thread.close(() -> { });
        log.detachAppender(logged);
    }

    @Test
    void runsTasksInOrderOnOneDaemonThreadNamedAfterTheSource() throws Exception {
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        for (int i = 0; i < 100; i++) {
            int n = i;
            Runnable task = () -> {
                order.add(n);
                threads.add(Thread.currentThread());
            };
            if (i % 2 == 0) {
                thread.execute(task);
            } else {
                thread.onThread(task);
            }
        }
        thread.execute(done::countDown);
        assertTrue(done.await(5, TimeUnit.SECONDS));
        for (int i = 0; i < 100; i++) {
            assertEquals(i, order.get(i));
        }
        Thread t = threads.get(0);
        assertEquals("respproxy-cluster-orders", t.getName());
        assertTrue(t.isDaemon());
        assertTrue(threads.stream().allMatch(x -> x == t));
    }

    @Test
    void closeRunsItsLastTaskAfterTheQueuedOnesThenDropsLateTasks() {
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean closedSeenByLast = new AtomicBoolean();
        thread.execute(() -> sleep(100));
        thread.execute(() -> order.add("queued"));
        assertFalse(thread.closed());

        thread.close(() -> {
            closedSeenByLast.set(thread.closed());
            order.add("last");
        });

        assertEquals(List.of("queued", "last"), order);
        assertTrue(closedSeenByLast.get(), "the source sees itself closed while it tears down");
        assertTrue(thread.closed());
        // Late answers, events and reports: nothing runs, nothing is thrown at the reporter.
        thread.onThread(() -> order.add("late"));
        CompletableFuture<String> answer = new CompletableFuture<>();
        thread.afterAll(List.of(answer), () -> order.add("late answer"));
        answer.complete("PONG");
        // The source's own calls after close are a mistake, and say so.
        assertThrows(RejectedExecutionException.class, () -> thread.execute(() -> order.add("late start")));
        assertThrows(RejectedExecutionException.class, () -> thread.schedule(() -> order.add("late"), 1));
        sleep(100);
        assertEquals(List.of("queued", "last"), order);
    }

    @Test
    void closeGivesUpWaitingForAStuckThreadAfterTwoSeconds() {
        CountDownLatch release = new CountDownLatch(1);
        thread.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long start = System.nanoTime();
        thread.close(() -> { });
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(waitedMillis >= 1_900, "waited " + waitedMillis + " ms");
        thread.onThread(release::countDown); // dropped, and not thrown
        release.countDown();
    }

    @Test
    void afterAllRunsOnTheThreadOnceEveryAnswerIsInFailedOrNot() throws Exception {
        CompletableFuture<String> a = new CompletableFuture<>();
        CompletableFuture<String> b = new CompletableFuture<>();
        AtomicReference<String> ranOn = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        thread.afterAll(List.of(a, b), () -> {
            ranOn.set(Thread.currentThread().getName() + " " + a.isDone() + " " + b.isDone());
            ran.countDown();
        });
        a.complete("ok");
        assertFalse(ran.await(100, TimeUnit.MILLISECONDS), "ran before every answer was in");
        b.completeExceptionally(new IllegalStateException("connection refused"));
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        assertEquals("respproxy-cluster-orders true true", ranOn.get());
    }

    @Test
    void aTickThatThrowsIsLoggedAndTheNextTickStillRuns() throws Exception {
        AtomicInteger ticks = new AtomicInteger();
        CountDownLatch third = new CountDownLatch(3);
        thread.every(10, () -> {
            ticks.incrementAndGet();
            third.countDown();
            if (ticks.get() == 1) {
                throw new IllegalStateException("no node answered");
            }
        }, "cluster refresh");
        assertTrue(third.await(5, TimeUnit.SECONDS), "the schedule stopped after the failed tick");
        ILoggingEvent e = logged.list.get(0);
        assertEquals(Level.ERROR, e.getLevel());
        assertEquals("[orders] cluster refresh failed", e.getFormattedMessage());
        assertEquals("no node answered", e.getThrowableProxy().getMessage());
    }

    @Test
    void aTaskOrAnswerHandlerThatThrowsIsLoggedAndTheThreadGoesOn() throws Exception {
        thread.onThread(() -> {
            throw new IllegalStateException("bad event");
        });
        CompletableFuture<String> answer = new CompletableFuture<>();
        thread.afterAll(List.of(answer), () -> {
            throw new IllegalArgumentException("bad answer");
        });
        answer.complete("+OK");
        CountDownLatch after = new CountDownLatch(1);
        thread.onThread(after::countDown);
        assertTrue(after.await(5, TimeUnit.SECONDS), "the thread stopped after a failed task");
        assertEquals(List.of("[orders] source task failed: bad event",
                        "[orders] handling of query answers failed: bad answer"),
                logged.list.stream().map(e -> e.getFormattedMessage() + ": " + e.getThrowableProxy().getMessage()).toList());
        assertTrue(logged.list.stream().allMatch(e -> e.getLevel() == Level.ERROR));
    }

    @Test
    void scheduledTasksRunOnTheThreadAfterTheirDelay() throws Exception {
        AtomicReference<String> ranOn = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        long start = System.nanoTime();
        thread.schedule(() -> {
            ranOn.set(Thread.currentThread().getName());
            ran.countDown();
        }, 50);
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50));
        assertEquals("respproxy-cluster-orders", ranOn.get());
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
