package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.respproxy.proxy.resp.ReplyStrings;
import io.respproxy.proxy.resp.RespWriter;
import io.respproxy.routing.CommandArgs;
import java.util.Locale;

/**
 * Replies the session builds itself: errors with the wording clients expect (Redis's own where
 * Redis has the same error, from {@link ReplyStrings}) and small values.
 */
final class Reply {

    private Reply() {}

    static final String WRONGPASS = ReplyStrings.WRONGPASS;
    static final String PROTECTED_MODE = "DENIED respproxy is running in protected mode: this service accepts "
            + "only loopback clients (protected-mode = yes, or auto with no users configured). Configure `users` for "
            + "the service, or set protected-mode = no if every client is trusted.";
    static final String TOO_MANY_DEDICATED = "ERR respproxy: too many dedicated backend connections "
            + "(transactions, blocking commands, subscriptions); try again later";
    static final String NOPERM_LISTENER = "NOPERM this user may not use this listener";

    static ByteBuf error(ByteBufAllocator alloc, String text) {
        ByteBuf out = alloc.buffer(text.length() + 3);
        RespWriter.error(out, text);
        return out;
    }

    static ByteBuf simple(ByteBufAllocator alloc, String text) {
        ByteBuf out = alloc.buffer(text.length() + 3);
        RespWriter.simpleString(out, text);
        return out;
    }

    static ByteBuf integer(ByteBufAllocator alloc, long value) {
        ByteBuf out = alloc.buffer(24);
        RespWriter.integer(out, value);
        return out;
    }

    static ByteBuf bulk(ByteBufAllocator alloc, byte[] value) {
        ByteBuf out = alloc.buffer(value.length + 16);
        RespWriter.bulk(out, value);
        return out;
    }

    static ByteBuf bulk(ByteBufAllocator alloc, CharSequence value) {
        ByteBuf out = alloc.buffer(value.length() + 16);
        RespWriter.bulk(out, value);
        return out;
    }

    static ByteBuf emptyArray(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(4);
        RespWriter.arrayHeader(out, 0);
        return out;
    }

    static ByteBuf nullBulk(ByteBufAllocator alloc, int protocol) {
        ByteBuf out = alloc.buffer(5);
        RespWriter.nullBulk(out, protocol);
        return out;
    }

    static String unknownCommand(CommandArgs args) {
        return ReplyStrings.unknownCommand(args);
    }

    static final String EXECABORT = "EXECABORT Transaction discarded because of previous errors.";
    /** EXEC of a transaction whose dedicated connection died before EXEC was sent: nothing ran. */
    static final String EXECABORT_LOST = "EXECABORT Transaction discarded because the connection to the master was lost.";
    /** EXEC was written, then the connection died before its reply: the transaction may have run. */
    static final String EXEC_LOST_AFTER_SENT = "ERR connection to the master was lost after EXEC was sent; "
            + "the transaction may have been applied";
    static final String NESTED_MULTI = "ERR MULTI calls can not be nested";
    static final String WATCH_IN_MULTI = "ERR WATCH inside MULTI is not allowed";
    /** A blocking write (BLPOP, BLMOVE, ...) whose connection died while it waited: it may have popped. */
    static final String BLOCKED_LOST = "ERR connection to the master was lost while blocked; "
            + "the command may have been applied";
    /** A blocking read (XREAD BLOCK) whose connection died while it waited. */
    static final String BLOCKED_READ_LOST = "ERR connection to the server was lost while blocked; "
            + "nothing was applied, the command can be sent again";

    /** A write acknowledged by a master the proxy had already left for another: it may be discarded. */
    static String acknowledgedAfterLeaving(io.respproxy.routing.NodeAddress node, String why) {
        return "ERR backend " + node + " acknowledged it after the proxy had left it for a new master (" + why
                + "); the command may have been applied";
    }

    static String noMaster(String reason) {
        return "MASTERDOWN respproxy has no writable master for this service: " + reason;
    }

    static String subscribedContext(CommandArgs args) {
        return "ERR Can't execute '" + args.asString(0).toLowerCase(Locale.ROOT)
                + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
    }
}
