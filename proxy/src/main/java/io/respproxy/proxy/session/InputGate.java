package io.respproxy.proxy.session;

import io.netty.channel.Channel;
import io.respproxy.proxy.resp.RespRequest;
import java.util.ArrayDeque;

/**
 * The client's input side: requests that arrived while the session could not take them (too many
 * in flight, a barrier before a dedicated connection, a failover hold) wait here in order, and the
 * socket is read only while nothing waits and fewer than {@code max-pipeline-in-flight} replies are
 * outstanding. Whether the client reads its replies does not matter here (a client may write a
 * whole pipeline before reading, as Jedis does, and pausing would deadlock it): unsent replies are
 * bounded by the output-buffer limits, as in Redis.
 */
final class InputGate {

    private final Channel channel;
    private final int maxInFlight;
    private final ArrayDeque<RespRequest> backlog = new ArrayDeque<>();
    /** Whether autoRead is on (it starts on). */
    private boolean reading = true;

    InputGate(Channel channel, int maxInFlight) {
        this.channel = channel;
        this.maxInFlight = maxInFlight;
    }

    boolean hasBacklog() {
        return !backlog.isEmpty();
    }

    void add(RespRequest req) {
        backlog.add(req);
    }

    /** A request that must wait again (barrier, hold): it runs first once the wait is over. */
    void addFirst(RespRequest req) {
        backlog.addFirst(req);
    }

    RespRequest poll() {
        return backlog.poll();
    }

    boolean full(int inFlight) {
        return inFlight >= maxInFlight;
    }

    /** Called wherever the backlog or the replies outstanding change, so reading resumes as soon as it may. */
    void update(int inFlight, boolean accepting) {
        boolean read = accepting && backlog.isEmpty() && inFlight < maxInFlight;
        if (read != reading) {
            reading = read;
            channel.config().setAutoRead(read);
        }
    }

    void releaseAll() {
        RespRequest r;
        while ((r = backlog.poll()) != null) {
            r.release();
        }
    }
}
