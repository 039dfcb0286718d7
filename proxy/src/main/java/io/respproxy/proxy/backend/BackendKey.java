package io.respproxy.proxy.backend;

import io.respproxy.routing.NodeAddress;

/**
 * What makes two backend connections interchangeable for multiplexing: the node, the selected
 * database, the protocol version the replies must be in, and who they log in as.
 *
 * @param as a client's own credentials for the node, when the service has no users of its own and
 *           the client AUTHenticated as a Redis ACL user; null: the service's backend credentials.
 *           Its {@code toString} hides the password.
 */
public record BackendKey(NodeAddress node, int db, int protocol, BackendCredentials as) {

    public BackendKey(NodeAddress node, int db, int protocol) {
        this(node, db, protocol, null);
    }

    /** The same db, protocol and login on another node. */
    public BackendKey on(NodeAddress other) {
        return other == node ? this : new BackendKey(other, db, protocol, as);
    }

    /** The same node, protocol and login, in {@code otherDb}. */
    public BackendKey inDb(int otherDb) {
        return new BackendKey(node, otherDb, protocol, as);
    }
}
