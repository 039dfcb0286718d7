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

    ClientState(long id, String listener, ListenerRole role) {
        this.id = id;
        this.listener = listener;
        this.role = role;
    }

    @Override
    public int affinity() {
        return (int) id;
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
        return new BackendKey(node, db, protocol, backendAs);
    }

    /** The round-robin position of the client's next read. */
    int nextReadSeq() {
        return readSeq++;
    }

    void commandStarted(String commandName) {
        lastCommandMillis = System.currentTimeMillis();
        lastCommand = commandName;
    }

    /** RESET: back to a fresh connection's state (the user stays only when none is required). */
    void reset(boolean keepUser) {
        db = 0;
        protocol = 2;
        name = null;
        backendAs = null;
        if (!keepUser) {
            grant = null;
        }
    }

    /** One CLIENT LIST line, with Redis's field names where they mean the same. */
    String describe(String addr, String laddr) {
        long now = System.currentTimeMillis();
        return "id=" + id
                + " addr=" + addr
                + " laddr=" + laddr
                + " name=" + (name == null ? "" : name)
                + " age=" + (now - createdMillis) / 1000
                + " idle=" + (now - lastCommandMillis) / 1000
                + " db=" + db
                + " user=" + (grant == null ? "" : grant.name())
                + " resp=" + protocol
                + " cmd=" + lastCommand.toLowerCase(java.util.Locale.ROOT)
                + " lib-name=" + (libName == null ? "" : libName)
                + " lib-ver=" + (libVersion == null ? "" : libVersion)
                + " listener=" + listener;
    }
}
