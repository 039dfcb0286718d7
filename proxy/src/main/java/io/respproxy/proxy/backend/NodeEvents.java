package io.respproxy.proxy.backend;

import io.respproxy.routing.NodeAddress;

/**
 * What the backend pools tell the topology source about a node, from what the node itself did
 * (never from connections the proxy closed). Called on the pool's event loop.
 */
public interface NodeEvents {

    /**
     * The node refused or did not accept a connection, let a command time out, or dropped a
     * connection and then refused a new one: suspect it at once, before the next probe.
     */
    void failed(NodeAddress node);

    /**
     * The node closed or reset a connection but accepts new ones: not a failure, but its role may
     * have just changed (Sentinel kills the clients of a node it reconfigures), so look again soon.
     */
    void closedConnection(NodeAddress node);
}
