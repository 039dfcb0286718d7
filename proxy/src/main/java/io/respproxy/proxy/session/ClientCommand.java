package io.respproxy.proxy.session;

import io.respproxy.proxy.resp.SharedReplies;
import io.respproxy.proxy.resp.ReplyStrings;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.service.ClientHandle;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import io.respproxy.proxy.service.ClientInfo;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import io.netty.buffer.ByteBuf;
import java.util.function.Predicate;

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
            case "INFO" -> s.writeLocal(Reply.bulk(s.alloc(), s.infoHere(true).line() + "\n"));
            case "LIST" -> list(s, req);
            case "KILL" -> kill(s, req);
            case "PAUSE" -> pause(s, req);
            case "UNPAUSE" -> {
                s.service().pause().unpause();
                s.writeLocal(SharedReplies.ok());
            }
            case "REPLY" -> reply(s, req);
            case "UNBLOCK" -> unblock(s, req);
            case "GETREDIR" -> s.tracking().getRedir();
            case "TRACKING" -> s.tracking().command(req);
            case "CACHING" -> s.tracking().caching(req);
            case "TRACKINGINFO" -> s.tracking().info();
            case "NO-EVICT", "NO-TOUCH" -> onOff(s, req, sub);
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

    /** CLIENT PAUSE timeout [WRITE|ALL]: the service's clients (see {@link io.respproxy.proxy.service.ClientPause}). */
    private static void pause(ClientSession s, RespRequest req) {
        if (req.size() < 3 || req.size() > 4) {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.wrongArity("client|pause")));
            return;
        }
        long millis = req.parseLong(2, Long.MIN_VALUE);
        if (millis == Long.MIN_VALUE) {
            s.writeLocal(Reply.error(s.alloc(), "ERR timeout is not an integer or out of range"));
            return;
        }
        if (millis < 0) {
            s.writeLocal(Reply.error(s.alloc(), "ERR timeout is negative"));
            return;
        }
        boolean all = true;
        if (req.size() == 4) {
            if (req.equalsIgnoreCase(3, "WRITE")) {
                all = false;
            } else if (!req.equalsIgnoreCase(3, "ALL")) {
                s.writeLocal(Reply.error(s.alloc(), "ERR CLIENT PAUSE mode must be WRITE or ALL"));
                return;
            }
        }
        s.service().pause().pause(millis, all);
        s.writeLocal(SharedReplies.ok());
    }

    /** CLIENT NO-EVICT / NO-TOUCH ON|OFF: flags of the client (e, T in CLIENT LIST); NO-EVICT spares it from the buffer budget. */
    private static void onOff(ClientSession s, RespRequest req, String sub) {
        if (req.size() != 3) {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.wrongArity("client|" + sub.toLowerCase(Locale.ROOT))));
            return;
        }
        String v = LocalCommands.upper(req, 2);
        if (!v.equals("ON") && !v.equals("OFF")) {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.SYNTAX));
            return;
        }
        if (sub.equals("NO-EVICT")) {
            s.state().noEvict(v.equals("ON"));
        } else {
            s.state().noTouch(v.equals("ON"));
        }
        s.writeLocal(SharedReplies.ok());
    }

    /** CLIENT LIST's and CLIENT KILL's TYPE: Redis's names; the proxy has only normal and pubsub clients. */
    private static final Set<String> TYPES = Set.of("normal", "master", "slave", "replica", "pubsub");

    /**
     * CLIENT LIST [TYPE type | ID id... | USER user]: every client of the service, each described
     * on its own event loop (its state belongs there); the reply takes its place in this client's
     * order once all have answered.
     */
    private static void list(ClientSession s, RespRequest req) {
        Predicate<ClientInfo> filter;
        if (req.size() == 4 && req.equalsIgnoreCase(2, "TYPE")) {
            String type = req.asString(3).toLowerCase(Locale.ROOT);
            if (!TYPES.contains(type)) {
                s.writeLocal(Reply.error(s.alloc(), "ERR Unknown client type '" + req.asString(3) + "'"));
                return;
            }
            filter = c -> c.type().equals(type);
        } else if (req.size() > 3 && req.equalsIgnoreCase(2, "ID")) {
            Set<Long> ids = new HashSet<>();
            for (int i = 3; i < req.size(); i++) {
                long id = req.parseLong(i, Long.MIN_VALUE);
                if (id == Long.MIN_VALUE) {
                    s.writeLocal(Reply.error(s.alloc(), "ERR Invalid client ID"));
                    return;
                }
                ids.add(id);
            }
            filter = c -> ids.contains(c.id());
        } else if (req.size() == 4 && req.equalsIgnoreCase(2, "USER")) {
            String user = req.asString(3);
            filter = c -> c.user().equals(user);
        } else if (req.size() != 2) {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.SYNTAX));
            return;
        } else {
            filter = c -> true;
        }
        everyClient(s, infos -> {
            StringBuilder sb = new StringBuilder();
            for (ClientInfo c : infos) {
                if (filter.test(c)) {
                    sb.append(c.line()).append('\n');
                }
            }
            return Reply.bulk(s.alloc(), sb);
        });
    }

    /**
     * CLIENT KILL addr:port (the old form: +OK, or "No such client"), or CLIENT KILL with filters
     * (ID, TYPE, USER, ADDR, LADDR, SKIPME yes|no, all of which must match): the number of clients
     * closed. The asking client, when it matches (old form, or SKIPME no), is closed after the reply.
     */
    private static void kill(ClientSession s, RespRequest req) {
        int argc = req.size();
        if (argc < 3) {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.wrongArity("client|kill")));
            return;
        }
        long id = 0;
        String type = null;
        String user = null;
        String addr = null;
        String laddr = null;
        boolean skipMe = true;
        if (argc == 3) {
            addr = req.asString(2);
            skipMe = false; // the old form may kill the asking client itself
        } else if (argc % 2 == 0) {
            for (int i = 2; i < argc; i += 2) {
                String opt = req.asString(i).toUpperCase(Locale.ROOT);
                String v = req.asString(i + 1);
                switch (opt) {
                    case "ID" -> {
                        id = req.parseLong(i + 1, 0);
                        if (id <= 0) {
                            s.writeLocal(Reply.error(s.alloc(), "ERR client-id should be greater than 0"));
                            return;
                        }
                    }
                    case "TYPE" -> {
                        type = v.toLowerCase(Locale.ROOT);
                        if (!TYPES.contains(type)) {
                            s.writeLocal(Reply.error(s.alloc(), "ERR Unknown client type '" + v + "'"));
                            return;
                        }
                    }
                    case "USER" -> user = v;
                    case "ADDR" -> addr = v;
                    case "LADDR" -> laddr = v;
                    case "SKIPME" -> {
                        if (v.equalsIgnoreCase("yes") || v.equalsIgnoreCase("no")) {
                            skipMe = v.equalsIgnoreCase("yes");
                        } else {
                            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.SYNTAX));
                            return;
                        }
                    }
                    default -> {
                        s.writeLocal(Reply.error(s.alloc(), ReplyStrings.SYNTAX));
                        return;
                    }
                }
            }
        } else {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.SYNTAX));
            return;
        }
        boolean oldForm = argc == 3;
        long wantId = id;
        String wantType = type;
        String wantUser = user;
        String wantAddr = addr;
        String wantLaddr = laddr;
        boolean skip = skipMe;
        everyClient(s, infos -> {
            if (wantUser != null && !userExists(s, wantUser, infos)) {
                return Reply.error(s.alloc(), "ERR No such user '" + wantUser + "'");
            }
            int killed = 0;
            boolean self = false;
            for (ClientInfo c : infos) {
                if ((wantId != 0 && c.id() != wantId) || (wantType != null && !c.type().equals(typeOf(wantType)))
                        || (wantUser != null && !c.user().equals(wantUser)) || (wantAddr != null && !c.addr().equals(wantAddr))
                        || (wantLaddr != null && !c.laddr().equals(wantLaddr)) || (skip && c.id() == s.id())) {
                    continue;
                }
                killed++;
                if (c.id() == s.id()) {
                    self = true;
                } else {
                    ClientHandle h = s.service().sessions().get(c.id());
                    if (h != null) {
                        h.close();
                    }
                }
            }
            if (self) {
                s.closeAfterReplies(); // once this reply is written
            }
            if (oldForm) {
                return killed == 0 ? Reply.error(s.alloc(), "ERR No such client") : SharedReplies.ok();
            }
            return Reply.integer(s.alloc(), killed);
        });
    }

    /** master and replica clients are never the proxy's: those types match none of them. */
    private static String typeOf(String wanted) {
        return wanted.equals("normal") || wanted.equals("pubsub") ? wanted : "(none)";
    }

    /** The service's users; without any, {@code default} and whoever a client logged in to Redis as. */
    private static boolean userExists(ClientSession s, String user, List<ClientInfo> infos) {
        if (s.service().users().required()) {
            return s.service().users().exists(user);
        }
        return user.equals("default") || infos.stream().anyMatch(c -> c.user().equals(user));
    }

    /**
     * Every client of the service as CLIENT LIST shows it (this one included, as the asker, read
     * before its reply is queued), then {@code answer} on this client's loop: the reply, which
     * takes this command's place in the client's order.
     */
    private static void everyClient(ClientSession s, Function<List<ClientInfo>, ByteBuf> answer) {
        List<CompletableFuture<ClientInfo>> infos = new ArrayList<>();
        for (ClientHandle c : s.service().sessions().values()) {
            infos.add(c.id() == s.id() ? CompletableFuture.completedFuture(s.infoHere(true)) : c.info());
        }
        ReplySlot slot = s.newSlot(null);
        CompletableFuture.allOf(infos.toArray(CompletableFuture[]::new)).whenComplete((ok, e) -> s.channel().eventLoop()
                .execute(() -> {
                    List<ClientInfo> all = new ArrayList<>(infos.size());
                    for (CompletableFuture<ClientInfo> f : infos) {
                        ClientInfo c = f.getNow(null);
                        if (c != null) {
                            all.add(c);
                        }
                    }
                    all.sort(java.util.Comparator.comparingLong(ClientInfo::id));
                    ByteBuf reply = answer.apply(all);
                    slot.onReply(reply, reply.getByte(reply.readerIndex()) == '-');
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

    /** The socket's descriptor (CLIENT LIST's fd=), -1 when the transport does not expose one (NIO). */
    static int fd(io.netty.channel.Channel ch) {
        return ch instanceof io.netty.channel.unix.UnixChannel u ? u.fd().intValue() : -1;
    }

    static String addr(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String host = i.getAddress() == null ? i.getHostString() : i.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + i.getPort();
        }
        return a == null ? "" : a.toString();
    }

}
