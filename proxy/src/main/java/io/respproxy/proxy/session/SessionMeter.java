package io.respproxy.proxy.session;

import io.respproxy.proxy.metrics.LoopClock;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.RespRequestDecoder;
import io.respproxy.proxy.service.ListenerStats;
import io.respproxy.proxy.service.CommandStats;
import io.respproxy.proxy.service.ServiceRuntime;
import io.respproxy.proxy.service.SlowLog;
import io.respproxy.routing.command.CommandFlag;
import io.respproxy.routing.command.CommandSpec;
import io.respproxy.routing.command.RoutingShape;
import java.util.ArrayList;
import java.util.List;

/**
 * What one client's session counts for /metrics: its connection and bytes (on its listener's
 * {@link ListenerStats}), and its commands by name and outcome with their latency, at the least
 * cost: the clock is read once per client read batch (every command of a pipeline
 * arrives with the same reading), and a reply's time is the reading its backend connection took
 * anyway when the reply came in ({@link LoopClock}). A command is counted when the first reply
 * slot made for it is filled: once, however long it waited in the backlog or in a hold. The same
 * time feeds the command's LATENCY HISTOGRAM and, past {@code slowlog.log-slower-than}, SLOWLOG.
 */
final class SessionMeter {

    private final ServiceRuntime.ServiceStats stats;
    private final ListenerStats listener;
    private LoopClock clock;
    private boolean inReadBatch;
    private long batchNanos;
    /** The command being handled (between {@link #begin} and {@link #end}) until a slot takes it. */
    private CommandStats current;
    private long currentArrived;
    private boolean currentTimed;
    /** The last spec looked up, and its counters: a pipeline of one command looks up once. */
    private CommandSpec lastSpec;
    private CommandStats lastStats;
    private final SlowLog slowLog;
    private final Client client;
    /** The request being handled, and the slot made for it (a local reply fills it before the request is released). */
    private RespRequest handling;
    private ReplySlot handlingSlot;
    private boolean currentLogged;

    /** Who the session's client is, for SLOWLOG's entries. */
    interface Client {
        String addr();

        String name();
    }

    SessionMeter(ServiceRuntime.ServiceStats stats, String listenerName, SlowLog slowLog, Client client) {
        this.stats = stats;
        this.listener = stats.listener(listenerName);
        this.slowLog = slowLog;
        this.client = client;
    }

    ListenerStats listener() {
        return listener;
    }

    /** The connection is up, on a loop whose clock readings it shares. */
    void connected(LoopClock loopClock) {
        this.clock = loopClock;
        listener.connected.incrementAndGet();
    }

    /** The connection is served ({@code refused}: protected mode turns it away). */
    void admitted(boolean refused) {
        if (refused) {
            listener.rejected(ListenerStats.Rejection.PROTECTED_MODE);
        } else {
            listener.accepted.increment();
        }
    }

    /** The connection is gone. */
    void disconnected(RespRequestDecoder decoder) {
        listener.connected.decrementAndGet();
        listener.bytesReceived.add(decoder.takeBytesRead());
    }

    /** A request read from the client: it arrived with its read batch. */
    void arrived(RespRequest req) {
        if (!inReadBatch) {
            inReadBatch = true;
            batchNanos = clock.tick();
        }
        req.arrivedNanos(batchNanos);
    }

    /** The client's read batch ended: the next request starts a new one; its bytes are counted once. */
    void readComplete(RespRequestDecoder decoder) {
        inReadBatch = false;
        long read = decoder.takeBytesRead();
        if (read > 0) {
            listener.bytesReceived.add(read);
        }
    }

    /** The session handles {@code req} now; the slot it makes for it counts it. */
    void begin(CommandSpec spec, RespRequest req) {
        if (spec != lastSpec) {
            lastSpec = spec;
            lastStats = stats.command(spec);
        }
        current = lastStats;
        handling = req;
        currentLogged = !spec.has(CommandFlag.SKIP_SLOWLOG); // EXEC: Redis logs the commands it ran instead
        currentArrived = req.arrivedNanos();
        // A blocking command waits by design, and a subscription's confirmations are not replies
        // in time: neither says anything about latency.
        currentTimed = currentArrived != 0 && !spec.isBlocking(req) && spec.shape() != RoutingShape.SUBSCRIBE
                && spec.shape() != RoutingShape.UNSUBSCRIBE;
    }

    /** The command was handled: a slot made later (an asynchronous reply) is not its own. */
    void end() {
        current = null;
        handling = null;
        handlingSlot = null;
    }

    /** A new reply slot: the first one made for the command being handled counts it. */
    void assign(ReplySlot slot) {
        if (current != null) {
            slot.command = current;
            slot.arrivedNanos = currentArrived;
            slot.timed = currentTimed;
            slot.slowLogged = currentLogged;
            if (currentLogged && handling != null && slowLog.logsEverything()) {
                // Every command will be logged: its arguments now, as its request may not be kept till the reply.
                slot.slowArgs = args(handling);
            }
            handlingSlot = slot;
            current = null;
        }
    }

    /**
     * The command being handled is answered outside the reply order (a (P|S)(UN)SUBSCRIBE, whose
     * confirmations come as pushes): counted now, as a success, and not timed.
     */
    void answeredUnordered() {
        if (current != null) {
            current.answered(false);
            current = null;
        }
    }

    /** {@code slot}'s reply took its place in the reply order. */
    void answered(ReplySlot slot, boolean error) {
        CommandStats c = slot.command;
        if (c == null) {
            return;
        }
        slot.command = null;
        c.answered(error);
        if (slot.timed) {
            long nanos = clock.now() - slot.arrivedNanos;
            stats.commandLatency.observeNanos(nanos);
            c.latency().record(nanos);
            if (slot.slowLogged && slowLog.isSlow(nanos / 1000)) {
                logSlow(slot, nanos / 1000);
            }
        } else if (slot.slowLogged && slot.slowArgs != null && slot.arrivedNanos != 0) {
            // A blocking command: only at log-slower-than 0, with its wait (Redis counts only its run).
            slowLog.add(slot.slowArgs, (clock.now() - slot.arrivedNanos) / 1000, client.addr(), client.name());
        }
    }

    /**
     * A slow command into SLOWLOG, with its arguments from the request the slot keeps for
     * re-sends, or from the one being handled when the proxy answered it itself; a reply that
     * comes later to a request not kept (a split or fanned-out command's parts) has none, and is
     * not logged.
     */
    private void logSlow(ReplySlot slot, long micros) {
        if (slot.slowArgs != null) {
            slowLog.add(slot.slowArgs, micros, client.addr(), client.name());
            return;
        }
        RespRequest req = slot.request != null ? slot.request : slot == handlingSlot ? handling : null;
        if (req == null || req.refCnt() <= 0) {
            return;
        }
        slowLog.add(args(req), micros, client.addr(), client.name());
    }

    /** A request's arguments as byte arrays (copies: the request may be released). */
    static List<byte[]> args(RespRequest req) {
        List<byte[]> args = new ArrayList<>(req.size());
        for (int i = 0; i < req.size(); i++) {
            args.add(req.argBytes(i));
        }
        return args;
    }
}
