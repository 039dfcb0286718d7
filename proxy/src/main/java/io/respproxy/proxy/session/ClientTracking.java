package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.resp.ReplyStrings;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.RespWriter;
import io.respproxy.proxy.resp.SharedReplies;
import io.respproxy.proxy.service.ClientHandle;
import io.respproxy.proxy.service.Tracking;
import io.respproxy.routing.command.CommandSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One client's CLIENT TRACKING state, as Redis keeps it per connection: on or off, default or
 * broadcast (with prefixes), OPTIN/OPTOUT with CLIENT CACHING, NOLOOP, REDIRECT. Keys the client
 * reads are remembered in the service's {@link Tracking} before the read is sent; invalidations
 * come back through {@link #invalidate} and are written in the client's reply order, after the
 * replies already on their way (so a value read before a change never arrives after its
 * invalidation), as RESP3 pushes or, redirected to a RESP2 subscriber, as messages on
 * {@code __redis__:invalidate}. Owned by the client's loop.
 */
final class ClientTracking implements Tracking.Client {

    static final String CHANNEL = "__redis__:invalidate";

    private final ClientSession session;
    private boolean on;
    private boolean bcast;
    private boolean optIn;
    private boolean optOut;
    private boolean noLoop;
    /** CLIENT CACHING was given for the next command. */
    private boolean caching;
    private boolean brokenRedirect;
    private long redirect;
    /** The keys of the command being handled (see {@link #keepKeys}), and those of the open MULTI. */
    private List<byte[]> commandKeys;
    private List<byte[]> transactionKeys;
    /** The keys the command being handled reads and this client may cache (null: none). */
    private List<byte[]> cachedKeys;
    private final List<byte[]> prefixes = new ArrayList<>();
    /**
     * NOLOOP: keys this client wrote in the last {@link #OWN_WRITE_NANOS}, with how many writes
     * and until when. The node reports changes, not who made them; a change of a key the client
     * itself just wrote is taken for its own and not reported to it (once per write), as Redis
     * does for the last writer of a key in one turn of its loop.
     */
    private final java.util.Map<java.nio.ByteBuffer, long[]> ownWrites = new java.util.HashMap<>();
    private static final long OWN_WRITE_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100);

    ClientTracking(ClientSession session) {
        this.session = session;
    }

    boolean on() {
        return on;
    }

    /** CLIENT LIST's redir=: -1 when not tracking. */
    long redirectForList() {
        return on ? redirect : -1;
    }

    /** CLIENT LIST's flags: t tracking, R broken redirect, B broadcast. */
    String flags() {
        if (!on) {
            return "";
        }
        return "t" + (brokenRedirect ? "R" : "") + (bcast ? "B" : "");
    }

    /**
     * Before {@code spec} runs: a read of a default-mode client that caches it (OPTIN after CLIENT
     * CACHING yes, OPTOUT unless CLIENT CACHING no) remembers its keys; any command but CLIENT
     * CACHING itself uses up a CACHING given before it (outside MULTI, as Redis).
     */
    void beforeCommand(CommandSpec spec, RespRequest req) {
        commandKeys = null;
        cachedKeys = null;
        if (!on) {
            return;
        }
        keepKeys(spec, req);
        // Any CLIENT subcommand leaves a CLIENT CACHING in force (Redis resets it after other commands).
        boolean cachingCommand = spec.name().startsWith("client|");
        // A script's declared keys too, as Redis remembers them, when the script calls a read
        // (as far as its body tells: see ScriptCalls).
        boolean reads = spec.isReadOnly() || (spec.runsScript() && scriptMayRead(spec, req));
        if (!bcast && reads && !spec.isPubSub() && !((optIn && !caching) || (optOut && caching))) {
            int n = spec.keyCount(req);
            if (n > 0) {
                cachedKeys = new ArrayList<>(n);
            }
            for (int i = 0; i < n; i++) {
                byte[] key = req.argBytes(spec.keyIndex(req, i));
                session.service().tracking().remember(session.id(), key, readsFrom(key));
                cachedKeys.add(key);
            }
        }
        if (noLoop && spec.isWrite() && !spec.isPubSub()) {
            int n = spec.keyCount(req);
            long until = System.nanoTime() + OWN_WRITE_NANOS;
            for (int i = 0; i < n; i++) {
                byte[] key = req.argBytes(spec.keyIndex(req, i));
                // Only a write whose report would reach this client: any other left here would
                // hide a later report of the key (an eviction from the table) that is not its own.
                if (!bcast && !session.service().tracking().table().tracks(session.id(), key)) {
                    continue;
                }
                long[] e = ownWrites.computeIfAbsent(java.nio.ByteBuffer.wrap(key), k -> new long[2]);
                e[0]++;
                e[1] = until;
            }
        }
        if (!cachingCommand && session.pinned().mode() != PinnedSession.Mode.TRANSACTION) {
            caching = false;
        }
    }

    /**
     * The keys of the command about to run (for its reply slot: an invalidation of one of them is
     * written after that reply); a transaction's EXEC names every key its queued commands named.
     */
    private void keepKeys(CommandSpec spec, RespRequest req) {
        String name = spec.name();
        boolean inTransaction = session.pinned().mode() == PinnedSession.Mode.TRANSACTION;
        if (name.equals("multi")) {
            transactionKeys = new ArrayList<>();
            return;
        }
        if (name.equals("exec") || name.equals("discard")) {
            commandKeys = transactionKeys;
            transactionKeys = null;
            return;
        }
        if (!spec.isKnown() || !spec.acceptsArgCount(req.size())) {
            return;
        }
        int n = spec.keyCount(req);
        if (n <= 0) {
            return;
        }
        List<byte[]> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add(req.argBytes(spec.keyIndex(req, i)));
        }
        commandKeys = keys;
        if (inTransaction && transactionKeys != null) {
            transactionKeys.addAll(keys);
        }
    }

    /** The command was handled: slots made from now on are not its. */
    void commandEnded() {
        commandKeys = null;
        cachedKeys = null;
    }

    /**
     * The keys the command being handled reads and this client caches, for its reply slot: sent
     * on a shared connection, the node is asked to track them ({@link Dispatcher#send}).
     */
    List<byte[]> cachedKeysOfCommand() {
        return cachedKeys;
    }

    /** The keys of the command being handled now (see {@link #keepKeys}); null when not tracking. */
    List<byte[]> keysOfCommand() {
        return commandKeys;
    }

    /**
     * Whether this client's replies wait for its nodes' invalidations sent before them: a RESP3
     * client that gets its own invalidations, as Redis writes an invalidation of a write that ran
     * before a command ahead of that command's reply on the same connection.
     */
    boolean fencesReplies() {
        return on && redirect == 0 && session.state().protocol() == 3;
    }

    private boolean scriptMayRead(CommandSpec spec, RespRequest req) {
        return req.size() < 2 || session.service().tracking().scriptMayRead(spec.name(), req.argBytes(1),
                session.service().router().table());
    }

    /**
     * CONFIG SET on its way to the master: {@code tracking-table-max-keys} bounds the proxy's table
     * too, since it is the proxy that remembers its clients' keys (the master's own table holds
     * nothing for them).
     */
    void configSet(RespRequest req) {
        for (int i = 2; i + 1 < req.size(); i += 2) {
            if (req.equalsIgnoreCase(i, "TRACKING-TABLE-MAX-KEYS")) {
                long max = req.parseLong(i + 1, -1);
                if (max >= 0 && max <= Integer.MAX_VALUE) {
                    session.service().tracking().maxKeys((int) max);
                }
            }
        }
    }

    /**
     * The node whose report of a change of {@code key} concerns this client: on a port that reads
     * from masters, the master that holds the key (any other node's report of the same write is a
     * duplicate); on the read and auto ports, any node (its reads go to replicas).
     */
    private Object readsFrom(byte[] key) {
        if (session.state().role() != io.respproxy.routing.route.ListenerRole.WRITE) {
            return io.respproxy.proxy.service.TrackingTable.ANY_NODE;
        }
        io.respproxy.routing.Topology t = session.service().topology();
        io.respproxy.routing.Shard shard = t.isCluster()
                ? t.shardForSlot(io.respproxy.routing.slot.SlotHash.slot(key)) : t.primaryShard();
        return shard == null || shard.master() == null ? io.respproxy.proxy.service.TrackingTable.ANY_NODE
                : shard.master();
    }

    /** CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p]... [BCAST] [OPTIN] [OPTOUT] [NOLOOP]. */
    void command(RespRequest req) {
        if (req.size() < 3) {
            error(ReplyStrings.wrongArity("client|tracking"));
            return;
        }
        long redir = 0;
        boolean wantBcast = false;
        boolean wantIn = false;
        boolean wantOut = false;
        boolean wantNoLoop = false;
        List<byte[]> newPrefixes = new ArrayList<>();
        for (int j = 3; j < req.size(); j++) {
            boolean more = j + 1 < req.size();
            if (req.equalsIgnoreCase(j, "REDIRECT") && more) {
                j++;
                if (redir != 0) {
                    error("ERR A client can only redirect to a single other client");
                    return;
                }
                redir = req.parseLong(j, Long.MIN_VALUE);
                if (redir == Long.MIN_VALUE) {
                    error(ReplyStrings.NOT_INTEGER);
                    return;
                }
                if (session.service().sessions().get(redir) == null) {
                    error("ERR The client ID you want redirect to does not exist");
                    return;
                }
            } else if (req.equalsIgnoreCase(j, "BCAST")) {
                wantBcast = true;
            } else if (req.equalsIgnoreCase(j, "OPTIN")) {
                wantIn = true;
            } else if (req.equalsIgnoreCase(j, "OPTOUT")) {
                wantOut = true;
            } else if (req.equalsIgnoreCase(j, "NOLOOP")) {
                wantNoLoop = true;
            } else if (req.equalsIgnoreCase(j, "PREFIX") && more) {
                j++;
                newPrefixes.add(req.argBytes(j));
            } else {
                error(ReplyStrings.SYNTAX);
                return;
            }
        }
        if (req.equalsIgnoreCase(2, "ON")) {
            if (!wantBcast && !newPrefixes.isEmpty()) {
                error("ERR PREFIX option requires BCAST mode to be enabled");
                return;
            }
            if (on && bcast != wantBcast) {
                error("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then "
                        + "re-enabling it with a different mode.");
                return;
            }
            if (wantBcast && (wantIn || wantOut)) {
                error("ERR OPTIN and OPTOUT are not compatible with BCAST");
                return;
            }
            if (wantIn && wantOut) {
                error("ERR You can't use both OPTIN and OPTOUT");
                return;
            }
            if ((wantIn && optOut) || (wantOut && optIn)) {
                error("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then "
                        + "re-enabling it with a different mode.");
                return;
            }
            if (wantBcast && !prefixesFit(newPrefixes)) {
                return;
            }
            enable(redir, wantBcast, wantIn, wantOut, wantNoLoop, newPrefixes);
        } else if (req.equalsIgnoreCase(2, "OFF")) {
            disable();
            session.writeLocal(SharedReplies.ok());
        } else {
            error(ReplyStrings.SYNTAX);
        }
    }

    /** Redis's rule: no prefix of a client may be a prefix of another of its prefixes. */
    private boolean prefixesFit(List<byte[]> wanted) {
        for (int i = 0; i < wanted.size(); i++) {
            for (byte[] existing : prefixes) {
                if (overlap(existing, wanted.get(i))) {
                    error("ERR Prefix '" + text(wanted.get(i)) + "' overlaps with an existing prefix '" + text(existing)
                            + "'. Prefixes for a single client must not overlap.");
                    return false;
                }
            }
            for (int j = i + 1; j < wanted.size(); j++) {
                if (overlap(wanted.get(i), wanted.get(j))) {
                    error("ERR Prefix '" + text(wanted.get(i)) + "' overlaps with another provided prefix '"
                            + text(wanted.get(j)) + "'. Prefixes for a single client must not overlap.");
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean overlap(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        return java.util.Arrays.equals(a, 0, n, b, 0, n);
    }

    private void enable(long redir, boolean wantBcast, boolean wantIn, boolean wantOut, boolean wantNoLoop,
                        List<byte[]> newPrefixes) {
        on = true;
        brokenRedirect = false;
        redirect = redir;
        bcast = wantBcast;
        optIn = wantIn;
        optOut = wantOut;
        noLoop = wantNoLoop;
        Tracking tracking = session.service().tracking();
        if (bcast) {
            if (newPrefixes.isEmpty()) {
                newPrefixes.add(new byte[0]);
            }
            for (byte[] p : newPrefixes) {
                if (prefixes.stream().noneMatch(q -> java.util.Arrays.equals(p, q))) {
                    prefixes.add(p);
                }
            }
            tracking.table().broadcast(session.id(), prefixes, readsFromMasters());
        }
        // The reply waits until every node the proxy serves from reports changes to it, and the
        // client's next commands wait for the reply: a read right behind it is covered.
        ReplySlot slot = session.newSlot(null);
        tracking.enable(session.id(), this, session.channel().eventLoop()).whenComplete((ok, e) ->
                session.channel().eventLoop().execute(() -> {
                    slot.onReply(SharedReplies.ok(), false);
                    session.resumeOutsideReadBatch();
                }));
        session.pinned().raiseBarrier();
    }

    /** CLIENT TRACKING OFF, RESET, or the client left. */
    void disable() {
        if (on) {
            session.service().tracking().disable(session.id());
        }
        on = false;
        bcast = false;
        optIn = false;
        optOut = false;
        noLoop = false;
        ownWrites.clear();
        caching = false;
        brokenRedirect = false;
        redirect = 0;
        prefixes.clear();
    }

    /** CLIENT CACHING YES|NO. */
    void caching(RespRequest req) {
        if (req.size() != 3) {
            error(ReplyStrings.wrongArity("client|caching"));
            return;
        }
        if (!on) {
            error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT "
                    + "mode enabled");
            return;
        }
        if (req.equalsIgnoreCase(2, "YES")) {
            if (!optIn) {
                error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
                return;
            }
        } else if (req.equalsIgnoreCase(2, "NO")) {
            if (!optOut) {
                error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
                return;
            }
        } else {
            error(ReplyStrings.SYNTAX);
            return;
        }
        caching = true;
        session.writeLocal(SharedReplies.ok());
    }

    /** CLIENT GETREDIR: the redirect id, 0 without one, -1 when not tracking. */
    void getRedir() {
        session.writeLocal(Reply.integer(session.alloc(), on ? redirect : -1));
    }

    /** CLIENT TRACKINGINFO: flags, redirect, prefixes. */
    void info() {
        int proto = session.state().protocol();
        List<String> flags = new ArrayList<>();
        if (!on) {
            flags.add("off");
        } else {
            flags.add("on");
            if (bcast) {
                flags.add("bcast");
            }
            if (optIn) {
                flags.add("optin");
                if (caching) {
                    flags.add("caching-yes");
                }
            }
            if (optOut) {
                flags.add("optout");
                if (caching) {
                    flags.add("caching-no");
                }
            }
            if (noLoop) {
                flags.add("noloop");
            }
            if (brokenRedirect) {
                flags.add("broken_redirect");
            }
        }
        ByteBuf out = session.alloc().buffer(128);
        RespWriter.mapHeader(out, proto, 3);
        RespWriter.bulk(out, "flags");
        RespWriter.setHeader(out, proto, flags.size());
        for (String f : flags) {
            RespWriter.bulk(out, f);
        }
        RespWriter.bulk(out, "redirect");
        RespWriter.integer(out, on ? redirect : -1);
        RespWriter.bulk(out, "prefixes");
        RespWriter.arrayHeader(out, prefixes.size());
        for (byte[] p : prefixes) {
            RespWriter.bulk(out, p);
        }
        session.writeLocal(out);
    }

    @Override
    public void invalidate(List<List<byte[]>> messages, boolean inline) {
        if (inline && session.channel().eventLoop().inEventLoop()) {
            deliver(messages, true, true);
            return;
        }
        session.channel().eventLoop().execute(() -> deliver(messages, false, true));
    }

    @Override
    public void dropped(List<List<byte[]>> messages) {
        session.channel().eventLoop().execute(() -> deliver(messages, false, false));
    }

    @Override
    public boolean readsFromMasters() {
        return session.state().role() != io.respproxy.routing.route.ListenerRole.READ;
    }

    @Override
    public void flushAll() {
        session.channel().eventLoop().execute(() -> deliver(null, false, false));
    }

    /**
     * On this client's loop: to itself, or to the client it redirects to. {@code afterReplies}:
     * the node reported it after every reply this client has received (see {@link ClientSession#push}).
     * {@code changes}: reports of writes (NOLOOP hides this client's own), not keys dropped.
     */
    private void deliver(List<List<byte[]>> messages, boolean afterReplies, boolean changes) {
        if (!on || session.closing()) {
            return;
        }
        if (changes && noLoop && messages != null && !ownWrites.isEmpty()) {
            messages = withoutOwnWrites(messages);
            if (messages.isEmpty()) {
                return;
            }
        }
        if (redirect == 0) {
            receive(session, messages, false, afterReplies);
            return;
        }
        ClientHandle target = session.service().sessions().get(redirect);
        if (target == null) {
            brokenRedirect = true;
            if (session.state().protocol() == 3) {
                ByteBuf out = session.alloc().buffer(48);
                RespWriter.pushHeader(out, 3, 2);
                RespWriter.bulk(out, "tracking-redir-broken");
                RespWriter.integer(out, redirect);
                session.push(out, null, false);
            }
            return;
        }
        target.trackingMessages(messages);
    }

    /** NOLOOP: the messages without the keys this client itself just wrote (each write counted once). */
    private List<List<byte[]>> withoutOwnWrites(List<List<byte[]>> messages) {
        long now = System.nanoTime();
        ownWrites.values().removeIf(e -> e[1] - now < 0);
        List<List<byte[]>> out = new ArrayList<>(messages.size());
        for (List<byte[]> m : messages) {
            List<byte[]> kept = new ArrayList<>(m.size());
            for (byte[] k : m) {
                java.nio.ByteBuffer key = java.nio.ByteBuffer.wrap(k);
                long[] e = ownWrites.get(key);
                if (e != null) {
                    if (--e[0] == 0) {
                        ownWrites.remove(key);
                    }
                } else {
                    kept.add(k);
                }
            }
            if (!kept.isEmpty()) {
                out.add(kept);
            }
        }
        return out;
    }

    /**
     * Writes invalidations to {@code to} (on its loop): RESP3 pushes, or, to a RESP2 client that
     * others redirect to and that is subscribed, messages on {@value #CHANNEL}; a RESP2 client
     * cannot get them otherwise (as in Redis). {@code messages} null: a flush (a null key list).
     */
    static void receive(ClientSession to, List<List<byte[]>> messages, boolean redirected, boolean afterReplies) {
        int proto = to.state().protocol();
        boolean subscribed = to.pinned().mode() == PinnedSession.Mode.SUBSCRIBED;
        if (proto != 3 && !(redirected && subscribed)) {
            return;
        }
        List<List<byte[]>> each = messages == null ? java.util.Collections.singletonList(null) : messages;
        for (List<byte[]> keys : each) {
            ByteBuf out = to.alloc().buffer(64);
            if (proto == 3) {
                RespWriter.pushHeader(out, 3, 2);
                RespWriter.bulk(out, "invalidate");
            } else {
                RespWriter.arrayHeader(out, 3);
                RespWriter.bulk(out, "message");
                RespWriter.bulk(out, CHANNEL);
            }
            if (keys == null) {
                RespWriter.nullArray(out, proto);
            } else {
                RespWriter.arrayHeader(out, keys.size());
                for (byte[] k : keys) {
                    RespWriter.bulk(out, k);
                }
            }
            to.push(out, keys, afterReplies);
        }
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private void error(String message) {
        session.writeLocal(Reply.error(session.alloc(), message));
    }
}
