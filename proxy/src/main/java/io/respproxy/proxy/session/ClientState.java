package io.respproxy.proxy.session;

import io.respproxy.proxy.backend.BackendCredentials;
import io.respproxy.proxy.backend.BackendKey;
import io.respproxy.proxy.service.UserGrant;
import io.respproxy.routing.NodeAddress;
import io.respproxy.routing.route.ClientView;
import io.respproxy.routing.route.ListenerRole;

/**
 * What Redis keeps per connection and the proxy answers for itself: who the client is (its
 * user), which db and protocol it speaks, its name and library, what it did last. Owned by the
 * client's event loop; other threads see it only through {@link ClientSession#describe()}.
 */
final class ClientState implements ClientView {

    private final long id;
    private final String listener;
    private final ListenerRole role;
    private final long createdMillis = System.currentTimeMillis();
    private UserGrant grant;
    private String name;
    private String libName;
    private String libVersion;
    private int db;
    private int protocol = 2;
    /** Who the client logged in to Redis as (AUTH passed through: the service has no users); null: the service's login. */
    private BackendCredentials backendAs;
    private int readSeq;
    private long lastCommandMillis = createdMillis;
    private String lastCommand = "NULL";
    private long commandBytes;
    private boolean noEvict;
    private boolean noTouch;

    ClientState(long id, String listener, ListenerRole role) {
        this.id = id;
        this.listener = listener;
        this.role = role;
    }

    long id() {
        return id;
    }

    String listener() {
        return listener;
    }

    ListenerRole role() {
        return role;
    }

    @Override
    public boolean authenticated() {
        return grant != null;
    }

    @Override
    public boolean readOnlyUser() {
        return grant != null && grant.readOnly();
    }

    UserGrant grant() {
        return grant;
    }

    void grant(UserGrant g) {
        grant = g;
    }

    String name() {
        return name;
    }

    /** CLIENT SETNAME / HELLO SETNAME: an empty name clears it, as in Redis. */
    void name(String n) {
        name = n == null || n.isEmpty() ? null : n;
    }

    void libName(String n) {
        libName = n;
    }

    void libVersion(String v) {
        libVersion = v;
    }

    int db() {
        return db;
    }

    void db(int d) {
        db = d;
    }

    int protocol() {
        return protocol;
    }

    void protocol(int p) {
        protocol = p;
    }

    BackendCredentials backendAs() {
        return backendAs;
    }

    void backendAs(BackendCredentials as) {
        backendAs = as;
    }

    /** The backend connections this client's commands go on at {@code node}: its db, protocol and login. */
    BackendKey keyFor(NodeAddress node) {
        // Every command asks: the keys made for the last few nodes are kept, not made again.
        for (int i = 0; i < KEPT_KEYS && keys[i] != null; i++) {
            BackendKey k = keys[i];
            if (k.node() == node && k.db() == db && k.protocol() == protocol && k.as() == backendAs) {
                return k;
            }
        }
        BackendKey k = new BackendKey(node, db, protocol, backendAs);
        keys[nextKey] = k;
        nextKey = (nextKey + 1) % KEPT_KEYS;
        return k;
    }

    private static final int KEPT_KEYS = 8;
    private final BackendKey[] keys = new BackendKey[KEPT_KEYS];
    private int nextKey;

    /** The round-robin position of the client's next read. */
    int nextReadSeq() {
        return readSeq++;
    }

    void commandStarted(String commandName, long bytes) {
        lastCommandMillis = System.currentTimeMillis();
        lastCommand = commandName;
        commandBytes = bytes;
    }

    /** RESET: back to a fresh connection's state (the user stays only when none is required). */
    void reset(boolean keepUser) {
        db = 0;
        protocol = 2;
        name = null;
        backendAs = null;
        noEvict = false;
        noTouch = false;
        if (!keepUser) {
            grant = null;
        }
    }

    /** Seconds since the connection was accepted, and since its last command (CLIENT LIST's age, idle). */
    long ageSeconds(long nowMillis) {
        return (nowMillis - createdMillis) / 1000;
    }

    long idleSeconds(long nowMillis) {
        return (nowMillis - lastCommandMillis) / 1000;
    }

    /** The last command's name, {@code container|sub} for a subcommand; "NULL" before any. */
    String lastCommand() {
        return lastCommand;
    }

    /** Bytes of the command running now (CLIENT LIST's argv-mem for the client asking). */
    long commandBytes() {
        return commandBytes;
    }

    String libName() {
        return libName;
    }

    String libVersion() {
        return libVersion;
    }

    /**
     * The user as Redis would name it: the service's user the client authenticated as, the Redis
     * user it logged in as (AUTH passed through), or {@code default}.
     */
    String user() {
        if (backendAs != null) {
            return backendAs.user() == null ? "default" : backendAs.user();
        }
        return grant == null ? "default" : grant.name();
    }

    /** CLIENT NO-EVICT ON: the client-buffer budget never closes this client. */
    boolean noEvict() {
        return noEvict;
    }

    void noEvict(boolean on) {
        noEvict = on;
    }

    /** CLIENT NO-TOUCH ON (flag T); the node decides what touching means. */
    boolean noTouch() {
        return noTouch;
    }

    void noTouch(boolean on) {
        noTouch = on;
    }
}
