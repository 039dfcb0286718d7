package io.respproxy.proxy.session;

import io.respproxy.routing.route.ListenerRole;
import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.resp.SharedReplies;
import io.respproxy.proxy.resp.ReplyStrings;
import io.respproxy.proxy.service.UserGrant;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.RespWriter;

/** AUTH and HELLO against the service's own users (backend credentials are never involved). */
final class Auth {

    private Auth() {}

    static void auth(ClientSession s, RespRequest req) {
        if (req.size() < 2 || req.size() > 3) {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.wrongArity("auth")));
            return;
        }
        if (!s.service().users().required()) {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.AUTH_NOT_CONFIGURED));
            return;
        }
        String user = req.size() == 3 ? req.asString(1) : "default";
        UserGrant g = check(s, user, req.argBytes(req.size() - 1));
        if (g != null) {
            s.writeLocal(SharedReplies.ok());
        }
    }

    /** Authenticates or answers the error; returns the grant on success. */
    private static UserGrant check(ClientSession s, String user, byte[] password) {
        UserGrant g = s.service().users().authenticate(user, password);
        java.util.Arrays.fill(password, (byte) 0);
        if (g == null) {
            s.writeLocal(Reply.error(s.alloc(), Reply.WRONGPASS));
            return null;
        }
        if (!g.mayUse(s.state().listener())) {
            s.writeLocal(Reply.error(s.alloc(), Reply.NOPERM_LISTENER));
            return null;
        }
        s.authenticated(g);
        return g;
    }

    /** HELLO [protover [AUTH username password] [SETNAME clientname]]. */
    static void hello(ClientSession s, RespRequest req) {
        int proto = s.state().protocol();
        int i = 1;
        if (req.size() > 1) {
            long v = req.parseLong(1, -1);
            if (v != 2 && v != 3) {
                s.writeLocal(Reply.error(s.alloc(), v < 0 && !isNumber(req) ? "ERR Protocol version is not an integer or out of range"
                        : ReplyStrings.NOPROTO));
                return;
            }
            proto = (int) v;
            i = 2;
        }
        String user = null;
        byte[] password = null;
        String name = null;
        for (; i < req.size(); i++) {
            boolean more = i + 1 < req.size();
            if (req.equalsIgnoreCase(i, "AUTH") && i + 2 < req.size()) {
                user = req.asString(i + 1);
                password = req.argBytes(i + 2);
                i += 2;
            } else if (req.equalsIgnoreCase(i, "SETNAME") && more) {
                name = req.asString(i + 1);
                i++;
            } else {
                s.writeLocal(Reply.error(s.alloc(), "ERR Syntax error in HELLO option '" + req.asString(i) + "'"));
                return;
            }
        }
        if (password != null) {
            if (!s.service().users().required()) {
                s.writeLocal(Reply.error(s.alloc(), ReplyStrings.AUTH_NOT_CONFIGURED));
                return;
            }
            if (check(s, user, password) == null) {
                return;
            }
        } else if (!s.state().authenticated()) {
            s.writeLocal(Reply.error(s.alloc(), "NOAUTH HELLO must be called with the client already authenticated, "
                    + "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client "
                    + "and select the RESP protocol version at the same time"));
            return;
        }
        if (name != null) {
            if (!ClientCommand.validName(name)) {
                s.writeLocal(Reply.error(s.alloc(), ClientCommand.BAD_NAME));
                return;
            }
            s.state().name(name.isEmpty() ? null : name);
        }
        s.state().protocol(proto);
        s.writeLocal(helloReply(s));
    }

    private static boolean isNumber(RespRequest req) {
        return req.parseLong(1, Long.MIN_VALUE) != Long.MIN_VALUE;
    }

    private static ByteBuf helloReply(ClientSession s) {
        ByteBuf out = s.alloc().buffer(160);
        RespWriter.mapHeader(out, s.state().protocol(), 7);
        RespWriter.bulk(out, "server");
        RespWriter.bulk(out, "redis");
        RespWriter.bulk(out, "version");
        RespWriter.bulk(out, s.service().redisVersion());
        RespWriter.bulk(out, "proto");
        RespWriter.integer(out, s.state().protocol());
        RespWriter.bulk(out, "id");
        RespWriter.integer(out, s.id());
        RespWriter.bulk(out, "mode");
        RespWriter.bulk(out, s.settings().cluster().enabled() ? "cluster" : "standalone");
        RespWriter.bulk(out, "role");
        RespWriter.bulk(out, s.state().role() == ListenerRole.READ ? "replica" : "master");
        RespWriter.bulk(out, "modules");
        RespWriter.arrayHeader(out, 0);
        return out;
    }
}
