package io.respproxy.proxy.backend;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Watches the shared connections that carry a script or function call ({@code backend.script-set-
 * aside-after}). A script holds the node's one thread while it runs; on a connection of its own, a
 * client of Redis would wait for it until the node's busy-reply-threshold, then get -BUSY (and
 * could SCRIPT KILL it); on a shared connection, every command queued behind the script waits for
 * it to end, however long that is. So once a shared connection with a script pending has had no
 * reply for {@code after}, the connection is set aside and later commands go to a fresh one,
 * where they meet the node as Redis's own clients would. One per backend pool; its loop only.
 * Costs nothing while no script is pending: the check runs only while one is.
 */
final class LongScripts {

    private final EventLoop loop;
    private final long afterNanos;
    private final long everyMillis;
    private final Consumer<BackendConnection> setAside;
    private final List<BackendConnection> watched = new ArrayList<>();
    private ScheduledFuture<?> check;

    LongScripts(EventLoop loop, Duration after, Consumer<BackendConnection> setAside) {
        this.loop = loop;
        this.afterNanos = after.toNanos();
        this.everyMillis = Math.max(5, after.toMillis() / 4);
        this.setAside = setAside;
    }

    /** {@code c}, a shared connection, was just sent a script or function call. */
    void sent(BackendConnection c) {
        c.lastQueuedRunsScript();
        if (afterNanos == 0 || c.watchedForScripts) {
            return;
        }
        c.watchedForScripts = true;
        watched.add(c);
        if (check == null) {
            check = loop.scheduleAtFixedRate(this::check, everyMillis, everyMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void check() {
        long now = System.nanoTime();
        for (int i = watched.size() - 1; i >= 0; i--) {
            BackendConnection c = watched.get(i);
            boolean longScript = c.runsLongScript(now, afterNanos);
            if (longScript || !c.scriptPending()) {
                c.watchedForScripts = false;
                watched.remove(i);
            }
            if (longScript) {
                setAside.accept(c);
            }
        }
        if (watched.isEmpty()) {
            check.cancel(false);
            check = null;
        }
    }
}
