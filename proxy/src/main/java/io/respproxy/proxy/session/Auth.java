package io.respproxy.proxy.session;

import io.respproxy.routing.route.ListenerRole;
import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.resp.SharedReplies;
import io.respproxy.proxy.resp.ReplyStrings;
import io.respproxy.proxy.service.UserGrant;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.RespWriter;
import io.respproxy.proxy.backend.BackendCredentials;
import io.respproxy.proxy.backend.BackendKey;
import io.respproxy.routing.NodeAddress;
import java.nio.charset.StandardCharsets;

/**
 * AUTH and HELLO against the service's own users (backend credentials are never involved); or,
 * when the service has none, passed through to Redis: the client then logs in to the nodes as
 * that Redis user (its own backend connections, {@link ClientState#backendAs}), so Redis's ACL
 * users and their rules apply through the proxy as they do directly.
 */
final class Auth {

    private Auth() {}

    static void auth(ClientSession s, RespRequest req) {
        if (req.size() < 2 || req.size() > 3) {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.wrongArity("auth")));
            return;
        }
        if (!s.service().users().required()) {
            logInToRedis(s, req.size() == 3 ? req.asString(1) : null, req.argBytes(req.size() - 1), null);
            return;
        }
        String user = req.size() == 3 ? req.asString(1) : "default";
        UserGrant g = check(s, user, req.argBytes(req.size() - 1));
        if (g != null) {
            s.writeLocal(SharedReplies.ok());
        }
    }

    /**
     * The client logs in to Redis as {@code user} (null: AUTH with the password alone). The AUTH
     * goes on a connection that logs in so, whose handshake the node refuses with its own words
     * (-WRONGPASS); the client's next commands wait for the answer, as Redis runs them after it,
     * and go on such connections once it is OK. {@code then} runs on success and gives the reply
     * to write (HELLO's own).
     */
    private static void logInToRedis(ClientSession s, String user, byte[] password, ReplySlot.ReplyHook then) {
        NodeAddress node = LocalCommands.serverNode(s.shard());
        if (node == null) {
            java.util.Arrays.fill(password, (byte) 0);
            s.writeLocal(Reply.error(s.alloc(), Reply.noMaster(s.shard().noMasterReason())));
            return;
        }
        BackendCredentials as = new BackendCredentials(user, password);
        RespRequest auth = user == null ? RespRequest.of(s.alloc(), new byte[][] {AUTH, password})
                : RespRequest.of(s.alloc(), new byte[][] {AUTH, user.getBytes(StandardCharsets.UTF_8), password});
        java.util.Arrays.fill(password, (byte) 0);
        BackendKey key = s.state().keyFor(node);
        s.dispatcher().forward(new BackendKey(node, key.db(), key.protocol(), as), auth, (session, reply) -> {
            if (reply.getByte(reply.readerIndex()) == '-') {
                return reply;
            }
            session.state().backendAs(as);
            return then == null ? reply : then.replied(session, reply);
        });
        s.pinned().raiseBarrier();
    }

    private static final byte[] AUTH = "AUTH".getBytes(StandardCharsets.US_ASCII);

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
        if (password != null && !s.service().users().required()) {
            if (name != null && !ClientCommand.validName(name)) {
                java.util.Arrays.fill(password, (byte) 0);
                s.writeLocal(Reply.error(s.alloc(), ClientCommand.BAD_NAME));
                return;
            }
            String newName = name;
            int newProto = proto;
            logInToRedis(s, user, password, (session, reply) -> {
                reply.release();
                if (newName != null) {
                    session.state().name(newName);
                }
                session.state().protocol(newProto);
                return helloReply(session);
            });
            return;
        }
        if (password != null) {
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
