package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.resp.RespValues;
import java.nio.charset.StandardCharsets;

/**
 * What a subscribed connection still owes its client, read from the frames Redis sends: the
 * subscription counts Redis last reported (channels and patterns together, shard channels apart,
 * as Redis 7 counts them) and the confirmations the client's (un)subscribe commands have not
 * received yet. Subscribed mode is over only when both counts are zero and nothing is owed, so a
 * connection never goes back to anyone with replies still on their way.
 */
final class SubscriptionState {

    private long channelsAndPatterns;
    private long shardChannels;
    private long due;

    /** The client sent a (P|S)(UN)SUBSCRIBE naming {@code channels} channels (0: all of them). */
    void sent(int channels) {
        due += Math.max(1, channels);
    }

    /** A frame from the subscribed connection; true when it ends subscribed mode. */
    boolean onFrame(ByteBuf frame) {
        int head = frame.readerIndex();
        byte type = frame.getByte(head);
        if (type == '-') {
            due = Math.max(0, due - 1); // a refused (un)subscribe sends no confirmations
            return false;
        }
        if ((type != '*' && type != '>') || RespValues.count(frame, head) != 3) {
            return false;
        }
        int kindAt = RespValues.firstElement(frame, head);
        if (frame.getByte(kindAt) != '$') {
            return false;
        }
        int countAt = RespValues.skip(frame, RespValues.skip(frame, kindAt));
        if (frame.getByte(countAt) != ':') {
            return false; // a message (message, pmessage, smessage) or a pong
        }
        int kindStart = RespValues.firstElement(frame, kindAt);
        int kindLength = (int) RespValues.count(frame, kindAt);
        String kind = frame.toString(kindStart, kindLength, StandardCharsets.US_ASCII).toLowerCase(java.util.Locale.ROOT);
        long count = RespValues.integer(frame, countAt);
        boolean unsubscribe;
        switch (kind) {
            case "subscribe", "psubscribe" -> {
                channelsAndPatterns = count;
                unsubscribe = false;
            }
            case "unsubscribe", "punsubscribe" -> {
                channelsAndPatterns = count;
                unsubscribe = true;
            }
            case "ssubscribe" -> {
                shardChannels = count;
                unsubscribe = false;
            }
            case "sunsubscribe" -> {
                shardChannels = count;
                unsubscribe = true;
            }
            default -> {
                return false;
            }
        }
        due = Math.max(0, due - 1);
        return unsubscribe && channelsAndPatterns == 0 && shardChannels == 0 && due == 0;
    }
}
