package io.respproxy.proxy.session;

import io.respproxy.proxy.resp.SharedReplies;
import io.respproxy.proxy.resp.ReplyStrings;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.service.ClientHandle;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * CLIENT subcommands about the client's connection to the proxy: the proxy's own client ids,
 * names and list. Subcommands that would change a shared backend connection's state are refused.
 */
final class ClientCommand {

    private ClientCommand() {}

    static final String BAD_NAME = "ERR Client names cannot contain spaces, newlines or special characters.";

    static void execute(ClientSession s, RespRequest req) {
        if (req.size() < 2) {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.wrongArity("client")));
            return;
        }
        String sub = LocalCommands.upper(req, 1);
        switch (sub) {
            case "SETNAME" -> {
                if (req.size() != 3) {
                    s.writeLocal(Reply.error(s.alloc(), ReplyStrings.wrongArity("client|setname")));
                    return;
                }
                String name = req.asString(2);
                if (!validName(name)) {
                    s.writeLocal(Reply.error(s.alloc(), BAD_NAME));
                    return;
                }
                s.state().name(name.isEmpty() ? null : name);
                s.writeLocal(SharedReplies.ok());
            }
            case "GETNAME" -> s.writeLocal(s.state().name() == null ? Reply.nullBulk(s.alloc(), s.state().protocol())
                    : Reply.bulk(s.alloc(), s.state().name()));
            case "ID" -> s.writeLocal(Reply.integer(s.alloc(), s.id()));
            case "SETINFO" -> setInfo(s, req);
            case "INFO" -> s.writeLocal(Reply.bulk(s.alloc(), s.describe().join() + "\n"));
            case "LIST" -> list(s);
            case "REPLY" -> reply(s, req);
            case "UNBLOCK" -> unblock(s, req);
            case "GETREDIR" -> s.writeLocal(Reply.integer(s.alloc(), -1));
            case "NO-EVICT", "NO-TOUCH" -> s.writeLocal(SharedReplies.ok());
            default -> s.writeLocal(Reply.error(s.alloc(), "ERR CLIENT " + sub
                    + " is not supported by respproxy (the proxy multiplexes backend connections)"));
        }
    }

    private static void setInfo(ClientSession s, RespRequest req) {
        if (req.size() != 4) {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.wrongArity("client|setinfo")));
            return;
        }
        String attr = LocalCommands.upper(req, 2);
        String value = req.asString(3);
        if (!validName(value)) {
            s.writeLocal(Reply.error(s.alloc(), "ERR " + attr + " cannot contain spaces, newlines or special characters."));
            return;
        }
        switch (attr) {
            case "LIB-NAME" -> s.state().libName(value);
            case "LIB-VER" -> s.state().libVersion(value);
            default -> {
                s.writeLocal(Reply.error(s.alloc(), "ERR Unrecognized option '" + req.asString(2) + "'"));
                return;
            }
        }
        s.writeLocal(SharedReplies.ok());
    }

    static boolean validName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '!' || c > '~') {
                return false;
            }
        }
        return true;
    }

    /**
     * CLIENT LIST: every client of the service, each described on its own event loop (its state
     * belongs there); the reply takes its place in this client's order once all have answered.
     */
    private static void list(ClientSession s) {
        List<CompletableFuture<String>> lines = new ArrayList<>();
        for (ClientHandle c : s.service().sessions().values()) {
            lines.add(c.describe());
        }
        ReplySlot slot = s.newSlot(null);
        CompletableFuture.allOf(lines.toArray(CompletableFuture[]::new)).whenComplete((ok, e) -> s.channel().eventLoop()
                .execute(() -> {
                    StringBuilder sb = new StringBuilder();
                    for (CompletableFuture<String> line : lines) {
                        sb.append(line.getNow("")).append('\n');
                    }
                    slot.onReply(Reply.bulk(s.alloc(), sb), false);
                    s.resumeOutsideReadBatch();
                }));
    }

    /** CLIENT REPLY ON|OFF|SKIP: the proxy suppresses this client's replies itself, in order. */
    private static void reply(ClientSession s, RespRequest req) {
        String mode = req.size() == 3 ? LocalCommands.upper(req, 2) : "";
        if (!mode.equals("ON") && !mode.equals("OFF") && !mode.equals("SKIP")) {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.SYNTAX));
            return;
        }
        s.replyMode(mode);
        s.writeLocal(SharedReplies.ok());
    }

    /**
     * CLIENT UNBLOCK id [TIMEOUT|ERROR] with the id the proxy gave a client: the proxy asks the
     * node where that client's blocking command waits to unblock the proxy's connection there, on
     * a connection of its own. :1 when it was unblocked, :0 when it was not blocked, as Redis.
     */
    private static void unblock(ClientSession s, RespRequest req) {
        long id = req.size() >= 3 ? req.parseLong(2, Long.MIN_VALUE) : Long.MIN_VALUE;
        String mode = req.size() == 4 ? LocalCommands.upper(req, 3) : "TIMEOUT";
        if (req.size() < 3 || req.size() > 4) {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.wrongArity("client|unblock")));
            return;
        }
        if (id == Long.MIN_VALUE) {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.NOT_INTEGER));
            return;
        }
        if (!mode.equals("TIMEOUT") && !mode.equals("ERROR")) {
            s.writeLocal(Reply.error(s.alloc(), "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"));
            return;
        }
        ClientHandle target = s.service().sessions().get(id);
        if (target == null) {
            s.writeLocal(Reply.integer(s.alloc(), 0));
            return;
        }
        ReplySlot slot = s.newSlot(null);
        target.unblock(mode).whenComplete((line, e) -> s.channel().eventLoop().execute(() -> {
            String reply = line != null ? line : "-ERR respproxy: CLIENT UNBLOCK failed";
            slot.onReply(reply.startsWith(":")
                    ? Reply.integer(s.alloc(), Long.parseLong(reply.substring(1)))
                    : Reply.error(s.alloc(), reply.substring(1)), reply.startsWith("-"));
            s.resumeOutsideReadBatch();
        }));
    }

    static String addr(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String host = i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + i.getPort();
        }
        return a == null ? "" : a.toString();
    }

}
