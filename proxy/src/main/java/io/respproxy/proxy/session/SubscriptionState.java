package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.respproxy.proxy.backend.PendingReply;
import io.respproxy.proxy.backend.RequestEncoder;
import io.respproxy.proxy.resp.RespValues;
import io.respproxy.routing.slot.SlotHash;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a subscribed client holds and is still owed, read from the frames Redis sends: the
 * channels, patterns and shard channels Redis confirmed, and the commands whose replies have not
 * all arrived, in the order they were sent. Subscribed mode is over only when nothing is
 * subscribed and nothing is owed, so a connection never goes back to anyone with replies still
 * on their way. When the connection dies, {@link #replay} says what a new one must be sent: the
 * subscriptions again (their confirmations swallowed: the client had them once), then the owed
 * commands (each (un)subscribe is idempotent in subscribed mode, so re-sending is safe).
 */
final class SubscriptionState {

    /** The three name spaces of pub/sub. */
    enum Space {
        CHANNEL("SUBSCRIBE"), PATTERN("PSUBSCRIBE"), SHARD("SSUBSCRIBE");

        final String subscribe;

        Space(String subscribe) {
            this.subscribe = subscribe;
        }
    }

    /** One command sent on the subscribed connection whose replies have not all arrived. */
    static final class Owed {
        /** The whole request (one reference, held until the last reply), to be re-sent after a loss. */
        final ByteBuf request;
        /** The name space it (un)subscribes; null for PING. */
        final Space space;
        final boolean unsubscribe;
        /** Replies it gets: one per name, or (an UNSUBSCRIBE naming nothing) -1: until its space is empty. */
        final int expected;
        /** Replies seen on the current connection, and how many of them the client must not see (again). */
        int received;
        int swallow;
        /** The proxy's own re-subscription after a loss: every reply swallowed, never replayed. */
        final boolean resubscription;
        /** RESP3 PING: answered through the connection's request FIFO into this client slot, not as a frame here. */
        final ReplySlot slot;
        /** The FIFO entry it was last sent with (a loss fails the old one; only the current one counts). */
        PendingReply sentWith;

        Owed(ByteBuf request, Space space, boolean unsubscribe, int expected, boolean resubscription, ReplySlot slot) {
            this.request = request;
            this.space = space;
            this.unsubscribe = unsubscribe;
            this.expected = expected;
            this.resubscription = resubscription;
            this.slot = slot;
            this.swallow = resubscription ? Integer.MAX_VALUE : 0;
        }
    }

    private final Set<String> channels = new LinkedHashSet<>();
    private final Set<String> patterns = new LinkedHashSet<>();
    private final Set<String> shardChannels = new LinkedHashSet<>();
    private final ArrayDeque<Owed> owed = new ArrayDeque<>();

    /**
     * The client sent {@code command} (lower case: subscribe, punsubscribe, ping, ...) with
     * {@code names} arguments; {@code request} (ownership passes here) is kept until it is answered.
     * {@code slot} is the client's reply place for a command answered through the FIFO (RESP3
     * PING), else null.
     */
    Owed sent(String command, int names, ByteBuf request, ReplySlot slot) {
        Space space = space(command);
        boolean unsubscribe = command.contains("unsubscribe");
        int expected = space == null || names > 0 ? Math.max(1, names) : unsubscribe ? -1 : 1;
        Owed o = new Owed(request, space, unsubscribe, expected, false, slot);
        owed.add(o);
        return o;
    }

    private static Space space(String command) {
        return switch (command) {
            case "subscribe", "unsubscribe" -> Space.CHANNEL;
            case "psubscribe", "punsubscribe" -> Space.PATTERN;
            case "ssubscribe", "sunsubscribe" -> Space.SHARD;
            default -> null;
        };
    }

    /**
     * A frame from the subscribed connection (not a FIFO reply); true when the client is to see
     * it, false when it is to be swallowed (a confirmation of the proxy's re-subscription, or
     * one the client already had before the connection was lost).
     */
    boolean onFrame(ByteBuf frame) {
        int head = frame.readerIndex();
        byte type = frame.getByte(head);
        // An error refuses a whole command; +PONG answers a PING sent after the last unsubscribe
        // took effect (Redis is out of subscribed mode then), ["pong", x] one sent before.
        boolean reply = type == '-' || type == '+' || isPong(frame, head, type);
        Confirmation c = reply ? null : confirmation(frame, head);
        if (!reply && c == null) {
            return true; // a message (message, pmessage, smessage) or another push: nobody asked for it
        }
        if (c != null) {
            Set<String> names = names(c.space);
            if (c.name != null) {
                if (c.unsubscribe) {
                    names.remove(c.name);
                } else {
                    names.add(c.name);
                }
            }
        }
        Owed o = firstRaw();
        if (o == null) {
            return true;
        }
        o.received++;
        boolean forward = o.received > o.swallow;
        // A refused command (one error, whatever it named) and a pong are its only reply.
        boolean complete = c == null
                || (o.expected >= 0 ? o.received >= o.expected : names(o.space).isEmpty());
        if (complete) {
            owed.remove(o);
            o.request.release();
        }
        return forward;
    }

    /** A RESP3 PING was answered through the FIFO: it is owed nothing more. */
    void answered(Owed o) {
        if (owed.remove(o)) {
            o.request.release();
        }
    }

    /** Nothing is subscribed and nothing is owed: subscribed mode is over. */
    /** A command of the client's ((UN)SUBSCRIBE, PING) has not had all its replies yet. */
    boolean answering() {
        for (Owed o : owed) {
            if (!o.resubscription) {
                return true;
            }
        }
        return false;
    }

    boolean over() {
        return channels.isEmpty() && patterns.isEmpty() && shardChannels.isEmpty() && owed.isEmpty();
    }

    /** The proxy's re-subscription is not fully confirmed yet. */
    boolean resubscribing() {
        for (Owed o : owed) {
            if (o.resubscription) {
                return true;
            }
        }
        return false;
    }

    /**
     * The connection died: what a new one must be sent, in order. First one (P|S)SUBSCRIBE per
     * space for what the client holds, whose confirmations are swallowed; then every owed command
     * again, whose replies the client has not had (those it had are swallowed). The caller sends
     * a duplicate of each request; the state keeps its own.
     */
    List<Owed> replay(ByteBufAllocator alloc) {
        for (Iterator<Owed> it = owed.iterator(); it.hasNext(); ) {
            Owed o = it.next();
            if (o.resubscription) {
                it.remove();
                o.request.release();
            } else {
                // The client has had the first max(swallow, received) replies (a second loss may
                // come before any reply). An UNSUBSCRIBE naming nothing answers only for what is
                // left: nothing to swallow.
                o.swallow = o.expected >= 0 ? Math.max(o.swallow, o.received) : 0;
                o.received = 0;
            }
        }
        List<Owed> again = new ArrayList<>();
        for (Space s : Space.values()) {
            // SSUBSCRIBE takes the channels of one slot (else -CROSSSLOT): one per slot.
            for (List<String> names : s == Space.SHARD ? bySlot(names(s)) : List.of(List.copyOf(names(s)))) {
                if (names.isEmpty()) {
                    continue;
                }
                Object[] args = new Object[names.size() + 1];
                args[0] = s.subscribe;
                int i = 1;
                for (String n : names) {
                    args[i++] = n.getBytes(StandardCharsets.ISO_8859_1);
                }
                again.add(new Owed(RequestEncoder.encode(alloc, args), s, false, names.size(), true, null));
            }
        }
        for (int i = again.size() - 1; i >= 0; i--) {
            owed.addFirst(again.get(i));
        }
        return List.copyOf(owed);
    }

    /** Shard channel names grouped by slot, in the order they were subscribed. */
    private static java.util.Collection<List<String>> bySlot(Set<String> names) {
        java.util.Map<Integer, List<String>> groups = new java.util.LinkedHashMap<>();
        for (String n : names) {
            groups.computeIfAbsent(SlotHash.slot(n.getBytes(StandardCharsets.ISO_8859_1)), k -> new ArrayList<>()).add(n);
        }
        return groups.values();
    }

    /** A command the router can place where the client's subscriptions now belong: (S)SUBSCRIBE and a name. */
    byte[][] routingCommand() {
        boolean shardOnly = channels.isEmpty() && patterns.isEmpty() && !shardChannels.isEmpty();
        Set<String> names = shardOnly ? shardChannels : channels;
        String name = names.isEmpty() ? "" : names.iterator().next();
        return new byte[][] {(shardOnly ? Space.SHARD : Space.CHANNEL).subscribe.getBytes(StandardCharsets.US_ASCII),
                name.getBytes(StandardCharsets.ISO_8859_1)};
    }

    int count(Space space) {
        return switch (space) {
            case CHANNEL -> channels.size();
            case PATTERN -> patterns.size();
            case SHARD -> shardChannels.size();
        };
    }

    int subscriptions() {
        return channels.size() + patterns.size() + shardChannels.size();
    }

    /** The client is gone or the mode ended: every request kept is released; RESP3 PINGs still owed are returned. */
    List<Owed> clear() {
        List<Owed> pings = new ArrayList<>();
        Owed o;
        while ((o = owed.poll()) != null) {
            o.request.release();
            if (o.slot != null) {
                pings.add(o);
            }
        }
        channels.clear();
        patterns.clear();
        shardChannels.clear();
        return pings;
    }

    private Owed firstRaw() {
        for (Owed o : owed) {
            if (o.slot == null) {
                return o;
            }
        }
        return null;
    }

    private Set<String> names(Space s) {
        return switch (s) {
            case CHANNEL -> channels;
            case PATTERN -> patterns;
            case SHARD -> shardChannels;
        };
    }

    /** A (p|s)(un)subscribe confirmation: kind, name (null for an UNSUBSCRIBE of nothing), count. */
    private record Confirmation(Space space, boolean unsubscribe, String name) {}

    private static Confirmation confirmation(ByteBuf frame, int head) {
        byte type = frame.getByte(head);
        if ((type != '*' && type != '>') || RespValues.count(frame, head) != 3) {
            return null;
        }
        int kindAt = RespValues.firstElement(frame, head);
        if (frame.getByte(kindAt) != '$') {
            return null;
        }
        int nameAt = RespValues.skip(frame, kindAt);
        int countAt = RespValues.skip(frame, nameAt);
        if (frame.getByte(countAt) != ':') {
            return null; // a message (message, smessage)
        }
        String kind = bulk(frame, kindAt).toLowerCase(Locale.ROOT);
        Space space = space(kind);
        if (space == null) {
            return null;
        }
        byte nameType = frame.getByte(nameAt);
        String name = nameType == '$' && RespValues.count(frame, nameAt) >= 0 ? bulk(frame, nameAt) : null;
        return new Confirmation(space, kind.contains("unsubscribe"), name);
    }

    /** RESP2's reply to PING in subscribed mode: ["pong", argument]. */
    private static boolean isPong(ByteBuf frame, int head, byte type) {
        if (type != '*' || RespValues.count(frame, head) != 2) {
            return false;
        }
        int at = RespValues.firstElement(frame, head);
        return frame.getByte(at) == '$' && bulk(frame, at).equalsIgnoreCase("pong");
    }

    /** The bytes of the bulk string at {@code at}, one char per byte (names are binary; ISO-8859-1 keeps them). */
    private static String bulk(ByteBuf frame, int at) {
        int length = (int) RespValues.count(frame, at);
        return frame.toString(RespValues.firstElement(frame, at), length, StandardCharsets.ISO_8859_1);
    }
}
