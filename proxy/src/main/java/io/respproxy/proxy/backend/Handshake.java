package io.respproxy.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.respproxy.proxy.resp.RespReply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a new backend connection sends before any client request: HELLO (protocol 3, or 2 with
 * credentials) or AUTH, SELECT, CLIENT SETNAME, with the service's credentials; then, for a
 * client that logged in to Redis itself (AUTH passed through), AUTH as that client. The replies are consumed here; an error fails the
 * connection with Redis's error text, which never contains the password, except -BUSY and
 * -LOADING, which the requests queued behind the handshake get as their own replies.
 */
record Handshake(List<ByteBuf> requests, List<PendingReply> replies) {

    /** Requests wait for the handshake's replies: it selects a db or logs in as a client (see BackendConnection#activate). */
    static boolean gates(BackendKey key) {
        return key.db() != 0 || key.as() != null;
    }

    static final String CLIENT_NAME = "respproxy";

    /**
     * @param clusterReadOnly a cluster node's connection also sends {@code READONLY}, so that a
     *                        replica serves reads of its master's slots (a master ignores it)
     */
    static Handshake build(ByteBufAllocator alloc, BackendKey key, BackendCredentials creds, boolean clusterReadOnly,
                           BackendConnection conn) {
        List<ByteBuf> requests = new ArrayList<>(3);
        List<PendingReply> replies = new ArrayList<>(3);
        byte[] password = creds.password();
        try {
            if (key.protocol() == 3 && (password == null || creds.user() != null)) {
                List<Object> hello = new ArrayList<>(List.of("HELLO", "3"));
                if (password != null) {
                    hello.add("AUTH");
                    hello.add(creds.user());
                    hello.add(password);
                }
                hello.add("SETNAME");
                hello.add(CLIENT_NAME);
                requests.add(RequestEncoder.encode(alloc, hello.toArray()));
                replies.add(new Step(conn, "HELLO", false));
            } else {
                // AUTH with the password alone (requirepass, or the default user's password): not
                // HELLO's AUTH default, which a default user without a password accepts whatever
                // the password, where Redis refuses a one-argument AUTH.
                if (password != null) {
                    requests.add(creds.user() == null
                            ? RequestEncoder.encode(alloc, "AUTH", password)
                            : RequestEncoder.encode(alloc, "AUTH", creds.user(), password));
                    replies.add(new Step(conn, "AUTH", false));
                }
                if (key.protocol() == 3) {
                    requests.add(RequestEncoder.encode(alloc, "HELLO", "3", "SETNAME", CLIENT_NAME));
                    replies.add(new Step(conn, "HELLO", false));
                } else {
                    requests.add(RequestEncoder.encode(alloc, "CLIENT", "SETNAME", CLIENT_NAME));
                    replies.add(new Step(conn, "CLIENT SETNAME", false));
                }
            }
            if (clusterReadOnly) {
                requests.add(RequestEncoder.encode(alloc, "READONLY"));
                replies.add(new Step(conn, "READONLY", false));
            }
            if (key.db() != 0) {
                requests.add(RequestEncoder.encode(alloc, "SELECT", Integer.toString(key.db())));
                replies.add(new Step(conn, "SELECT", false));
            }
            if (key.as() != null) {
                // Last, as on a client's own connection to Redis: it AUTHed there after its SELECT,
                // and a user without the right to SELECT still works in the db it was in. Refused
                // with the node's words (-WRONGPASS), as Redis answers the client's AUTH.
                byte[] own = key.as().password();
                try {
                    requests.add(key.as().user() == null ? RequestEncoder.encode(alloc, "AUTH", own)
                            : RequestEncoder.encode(alloc, "AUTH", key.as().user(), own));
                } finally {
                    java.util.Arrays.fill(own, (byte) 0);
                }
                replies.add(new Step(conn, "AUTH", true));
            }
        } finally {
            if (password != null) {
                java.util.Arrays.fill(password, (byte) 0);
            }
        }
        return new Handshake(requests, replies);
    }

    /**
     * One handshake reply: discarded when fine, else handed to {@link BackendConnection#handshakeReplied}.
     *
     * @param verbatim an error is the requests' own reply (a client's login refused)
     */
    private record Step(BackendConnection conn, String command, boolean verbatim) implements PendingReply {
        @Override
        public void onReply(ByteBuf reply, boolean error) {
            onReply(reply, error ? RespReply.ErrorKind.OTHER : RespReply.ErrorKind.NONE, null, 0);
        }

        @Override
        public void onReply(ByteBuf reply, RespReply.ErrorKind error, ByteBuf source, int sourceIndex) {
            // The name only labels the connection in CLIENT LIST, and READONLY only lets a
            // replica serve reads (a refused one answers -MOVED to the master): a node busy with
            // a script refuses both (-BUSY), and the connection that is to SCRIPT KILL that
            // script must still come up.
            if (error == RespReply.ErrorKind.NONE || command.equals("CLIENT SETNAME") || command.equals("READONLY")) {
                reply.release();
                conn.handshakeReplied(null, error, null);
            } else if (verbatim || error == RespReply.ErrorKind.BUSY || error == RespReply.ErrorKind.LOADING) {
                conn.handshakeReplied(reply, error, null);
            } else {
                String text;
                try {
                    text = reply.toString(StandardCharsets.UTF_8).trim();
                } finally {
                    reply.release();
                }
                if (text.startsWith("-") || text.startsWith("!")) {
                    text = text.substring(1);
                }
                conn.handshakeReplied(null, error, new BackendFailure(conn.key().node(),
                        BackendFailure.Kind.HANDSHAKE_FAILED, command + ": " + firstLine(text)));
            }
        }

        @Override
        public void onFailure(BackendFailure failure, boolean written) {
            // The connection is failing: its client entries get the failure themselves.
        }

        private static String firstLine(String s) {
            int nl = s.indexOf('\r');
            return nl < 0 ? s : s.substring(0, nl);
        }
    }
}
