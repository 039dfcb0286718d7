package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.SharedReplies;
import io.respproxy.routing.command.CommandSpec;
import io.respproxy.routing.route.RoutingErrors;

/**
 * A transaction whose dedicated connection died (the master failed, restarted or closed it, did
 * not answer within the command timeout, or the proxy left it) is discarded, as Redis discards one
 * after a queuing error, and the client's connection stays open. A command in flight when it died
 * gets the error (it could not be queued), commands sent after it +QUEUED, EXEC gets
 * {@link Reply#EXECABORT_LOST} and the session leaves MULTI. MULTI itself is answered +OK, so the
 * client and the proxy agree that a transaction is open until EXEC or DISCARD. An EXEC already
 * written may have run, and says so. Nothing is sent anywhere: the transaction is over on every node.
 */
final class LostTransaction {

    private LostTransaction() {}

    /**
     * What a command sent on a transaction's connection is answered if the connection dies before
     * its reply; {@code inMulti}: it was sent inside MULTI (queued, not run).
     */
    static ReplySlot.LostReply answer(String name, boolean inMulti) {
        return (s, failure, written) -> switch (name) {
            case "multi" -> inMulti ? Reply.error(s.alloc(), Reply.NESTED_MULTI) : SharedReplies.ok();
            case "watch" -> inMulti ? Reply.error(s.alloc(), Reply.WATCH_IN_MULTI) : SharedReplies.ok();
            case "unwatch" -> inMulti ? Reply.error(s.alloc(), failure.message(false)) : SharedReplies.ok();
            case "discard" -> inMulti ? SharedReplies.ok() : Reply.error(s.alloc(), "ERR DISCARD without MULTI");
            case "exec" -> written ? Reply.error(s.alloc(), Reply.EXEC_LOST_AFTER_SENT)
                    : Reply.error(s.alloc(), inMulti ? Reply.EXECABORT_LOST : "ERR EXEC without MULTI");
            // Inside MULTI it was not queued, so not run; outside, the generic error says it may have run.
            default -> inMulti ? Reply.error(s.alloc(), failure.message(false)) : null;
        };
    }

    /**
     * A command inside MULTI after the connection died: answered by the proxy as Redis answers
     * inside a transaction it will discard. True when it ends the transaction (EXEC, DISCARD).
     */
    static boolean afterLoss(ClientSession s, RespRequest req, CommandSpec spec) {
        String name = spec.name();
        ByteBuf reply = switch (name) {
            case "exec" -> Reply.error(s.alloc(), Reply.EXECABORT_LOST);
            case "discard" -> SharedReplies.ok();
            case "multi" -> Reply.error(s.alloc(), Reply.NESTED_MULTI);
            case "watch" -> Reply.error(s.alloc(), Reply.WATCH_IN_MULTI);
            default -> spec.isKnown() ? SharedReplies.queued() : Reply.error(s.alloc(), RoutingErrors.unknownCommand(req));
        };
        s.writeLocal(reply);
        return name.equals("exec") || name.equals("discard");
    }
}
