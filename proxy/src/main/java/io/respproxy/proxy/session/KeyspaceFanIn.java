package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.backend.BackendConnection;
import io.respproxy.proxy.backend.BackendFailure;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.RespValues;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.Shard;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Cluster mode: a node notifies only its own subscribers of its own keys' events, and a client's
 * subscription lives on the home master, so a keyspace notification of a key another master holds
 * would never reach it. Once the client (P)SUBSCRIBEs to something a keyspace or keyevent channel
 * can match, its (un)subscribe commands also go to every other master, on connections of its own;
 * from those only {@code __keyspace@}/{@code __keyevent@} messages are passed on, as they come
 * (confirmations are the home master's to give, and a PUBLISH reaches every node over the cluster
 * bus: its messages come from the home master alone, once). Masters that join later are not
 * listened to; a connection that dies is not replaced.
 */
final class KeyspaceFanIn {

    private static final String[] PREFIXES = {"__keyspace@", "__keyevent@"};

    private final ClientSession session;
    private final NodeAddress home;
    private List<BackendConnection> others;

    KeyspaceFanIn(ClientSession session, NodeAddress home) {
        this.session = session;
        this.home = home;
    }

    /** A (P)(UN)SUBSCRIBE the client sent to the home master (read before it is released). */
    void sent(RespRequest req, String command) {
        if (!session.service().topology().isCluster() || command.equals("ssubscribe") || command.equals("sunsubscribe")) {
            return; // shard channels live on their slot's master, keyspace events on none in particular
        }
        if (others == null) {
            boolean pattern = command.equals("psubscribe");
            if (!(pattern || command.equals("subscribe")) || !mayMatchKeyspace(req, pattern)) {
                return;
            }
            open();
        }
        for (BackendConnection c : others) {
            c.sendRaw(req.frame().retainedDuplicate());
            session.pool().markDirty(c);
        }
    }

    private void open() {
        others = new ArrayList<>();
        for (Shard shard : session.service().topology().shards()) {
            NodeAddress m = shard.master();
            if (m == null || m.equals(home)) {
                continue;
            }
            BackendConnection c = session.pool().dedicated(session.state().keyFor(m));
            if (c == null) {
                continue; // dedicated.max-per-node reached there: that master's events are not heard
            }
            others.add(c);
            c.fairReads();
            c.pipeTo(new BackendConnection.FrameSink() {
                @Override
                public void onFrame(ByteBuf frame) {
                    if (others != null && others.contains(c) && isKeyspaceMessage(frame)) {
                        session.writeUnordered(frame);
                    } else {
                        frame.release();
                    }
                }

                @Override
                public void onClosed(BackendFailure why) {
                    if (others != null) {
                        others.remove(c);
                    }
                }
            });
        }
    }

    /** Subscribed mode is over: the other masters' connections close (they hold subscriptions). */
    void stop() {
        List<BackendConnection> open = others;
        others = null;
        if (open != null) {
            for (BackendConnection c : open) {
                c.pipeTo(null);
                c.close();
            }
        }
    }

    /** A channel named, or a pattern whose literal start allows, a keyspace or keyevent channel. */
    static boolean mayMatchKeyspace(RespRequest req, boolean pattern) {
        for (int i = 1; i < req.size(); i++) {
            String name = new String(req.argBytes(i), StandardCharsets.ISO_8859_1);
            String literal = pattern ? literalStart(name) : name;
            for (String p : PREFIXES) {
                if (literal.startsWith(p) || (pattern && p.startsWith(literal))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String literalStart(String pattern) {
        for (int i = 0; i < pattern.length(); i++) {
            char ch = pattern.charAt(i);
            if (ch == '*' || ch == '?' || ch == '[' || ch == '\\') {
                return pattern.substring(0, i);
            }
        }
        return pattern;
    }

    /** A message or pmessage (RESP2 array or RESP3 push) whose channel is a keyspace or keyevent one. */
    static boolean isKeyspaceMessage(ByteBuf frame) {
        int head = frame.readerIndex();
        byte type = frame.getByte(head);
        if (type != '*' && type != '>') {
            return false;
        }
        long n = RespValues.count(frame, head);
        if (n != 3 && n != 4) {
            return false;
        }
        int kindAt = RespValues.firstElement(frame, head);
        if (frame.getByte(kindAt) != '$') {
            return false;
        }
        String kind = bulk(frame, kindAt).toLowerCase(Locale.ROOT);
        int channelAt;
        if (kind.equals("message") && n == 3) {
            channelAt = RespValues.skip(frame, kindAt);
        } else if (kind.equals("pmessage") && n == 4) {
            channelAt = RespValues.skip(frame, RespValues.skip(frame, kindAt));
        } else {
            return false;
        }
        if (frame.getByte(channelAt) != '$') {
            return false;
        }
        String channel = bulk(frame, channelAt);
        return channel.startsWith(PREFIXES[0]) || channel.startsWith(PREFIXES[1]);
    }

    private static String bulk(ByteBuf frame, int at) {
        int length = (int) RespValues.count(frame, at);
        return frame.toString(RespValues.firstElement(frame, at), length, StandardCharsets.ISO_8859_1);
    }
}
