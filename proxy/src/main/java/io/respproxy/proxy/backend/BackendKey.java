package io.respproxy.proxy.backend;

import io.respproxy.routing.NodeAddress;

/**
 * What makes two backend connections interchangeable for multiplexing: the node, the selected
 * database and the protocol version the replies must be in.
 */
public record BackendKey(NodeAddress node, int db, int protocol) {
}
