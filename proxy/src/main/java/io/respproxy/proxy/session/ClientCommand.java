package io.respproxy.proxy.session;

import io.respproxy.proxy.resp.ReplyStrings;
import io.respproxy.proxy.resp.RespRequest;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

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
                s.clientName = name.isEmpty() ? null : name;
                s.writeLocal(Reply.simple(s.alloc(), "OK"));
            }
            case "GETNAME" -> s.writeLocal(s.clientName == null ? Reply.nullBulk(s.alloc(), s.protocol)
                    : Reply.bulk(s.alloc(), s.clientName));
            case "ID" -> s.writeLocal(Reply.integer(s.alloc(), s.id));
            case "SETINFO" -> setInfo(s, req);
            case "INFO" -> s.writeLocal(Reply.bulk(s.alloc(), describe(s) + "\n"));
            case "LIST" -> {
                StringBuilder sb = new StringBuilder();
                for (ClientSession c : s.service.sessions().values()) {
                    sb.append(describe(c)).append('\n');
                }
                s.writeLocal(Reply.bulk(s.alloc(), sb));
            }
            case "GETREDIR" -> s.writeLocal(Reply.integer(s.alloc(), -1));
            case "NO-EVICT", "NO-TOUCH" -> s.writeLocal(Reply.simple(s.alloc(), "OK"));
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
            case "LIB-NAME" -> s.libName = value;
            case "LIB-VER" -> s.libVersion = value;
            default -> {
                s.writeLocal(Reply.error(s.alloc(), "ERR Unrecognized option '" + req.asString(2) + "'"));
                return;
            }
        }
        s.writeLocal(Reply.simple(s.alloc(), "OK"));
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

    /** One CLIENT LIST line, with Redis's field names where they mean the same. */
    static String describe(ClientSession c) {
        long now = System.currentTimeMillis();
        return "id=" + c.id
                + " addr=" + addr(c.channel == null ? null : c.channel.remoteAddress())
                + " laddr=" + addr(c.channel == null ? null : c.channel.localAddress())
                + " name=" + (c.clientName == null ? "" : c.clientName)
                + " age=" + (now - c.createdMillis) / 1000
                + " idle=" + (now - c.lastCommandMillis) / 1000
                + " db=" + c.db
                + " user=" + (c.grant == null ? "" : c.grant.name())
                + " resp=" + c.protocol
                + " cmd=" + c.lastCommand.toLowerCase(java.util.Locale.ROOT)
                + " lib-name=" + (c.libName == null ? "" : c.libName)
                + " lib-ver=" + (c.libVersion == null ? "" : c.libVersion)
                + " listener=" + c.listener;
    }

    private static String addr(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String host = i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + i.getPort();
        }
        return a == null ? "" : a.toString();
    }

}
