package io.respproxy.proxy.session;

import io.netty.channel.Channel;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.RespRequestDecoder;
import java.util.ArrayDeque;

/**
 * The client's input side: a request that arrived while the session could not take it (too many
 * in flight, its replies piled up past {@code max-pending-output}, a barrier before a dedicated
 * connection, a failover hold) waits here, in order; the decoder is paused meanwhile, so what the
 * client sends after it stays raw bytes, and the socket is read only while nothing waits: a client
 * whose replies pile up keeps its further commands in its own socket until they drain (unless its
 * replies stand still: see {@link #readAhead}).
 */
final class InputGate {

    private final Channel channel;
    /** Paused while a request waits here: later ones stay raw bytes in it, not decoded requests. */
    private final RespRequestDecoder decoder;
    private final int maxInFlight;
    /** Most bytes of commands read ahead, not run, while the client's replies do not move. */
    private final long maxReadAhead;
    /** The client's replies have not moved while it has commands waiting: read on, run nothing. */
    private boolean readAhead;
    private final ArrayDeque<RespRequest> backlog = new ArrayDeque<>();
    /** Whether autoRead is on (it starts on). */
    private boolean reading = true;
    /** Bytes of the requests in the backlog (they count against the client-buffer budget). */
    private long backlogBytes;

    InputGate(Channel channel, RespRequestDecoder decoder, int maxInFlight, long maxReadAhead) {
        this.channel = channel;
        this.decoder = decoder;
        this.maxInFlight = maxInFlight;
        this.maxReadAhead = maxReadAhead;
    }

    /**
     * While on, the socket is read into the backlog (up to {@code max-pending-input}) though
     * nothing runs: a client that writes its whole pipeline before reading any reply (Jedis
     * pipelines, the Tcl suite's deferred clients) would otherwise block in its write while the
     * proxy waits for it to read, for ever.
     */
    void readAhead(boolean on) {
        readAhead = on;
    }

    boolean readingAhead() {
        return readAhead;
    }

    /** Read ahead as far as {@code max-pending-input} allows. */
    boolean readAheadFull() {
        return bytes() >= maxReadAhead;
    }

    /**
     * Commands wait: in the backlog, or as raw bytes behind a paused decoder (the backlog may have
     * run empty while the decoder waits for its resume, which the client's writability brings).
     */
    boolean waiting() {
        return !backlog.isEmpty() || decoder.paused();
    }

    boolean hasBacklog() {
        return !backlog.isEmpty();
    }

    void add(RespRequest req) {
        backlog.add(req);
        backlogBytes += req.frame().readableBytes();
    }

    /** A request that must wait again (barrier, hold): it runs first once the wait is over. */
    void addFirst(RespRequest req) {
        backlog.addFirst(req);
        backlogBytes += req.frame().readableBytes();
    }

    RespRequest poll() {
        RespRequest r = backlog.poll();
        if (r != null) {
            backlogBytes -= r.frame().readableBytes();
        }
        return r;
    }

    /** Bytes of the client's commands held here: waiting requests, and raw bytes not yet decoded. */
    long bytes() {
        return backlogBytes + decoder.bufferedBytes();
    }

    boolean full(int inFlight) {
        return inFlight >= maxInFlight;
    }

    /** Called wherever the backlog or the replies outstanding change, so reading resumes as soon as it may. */
    void update(int inFlight, boolean accepting) {
        boolean read = accepting && (readAhead ? bytes() < maxReadAhead
                : backlog.isEmpty() && !decoder.paused() && inFlight < maxInFlight);
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
        backlogBytes = 0;
    }
}
