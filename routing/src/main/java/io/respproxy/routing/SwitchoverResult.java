package io.respproxy.routing;

/**
 * A switchover the operator asked for, done: writes were held from the moment it started until
 * the new master was verified.
 *
 * @param from       the master before
 * @param to         the master after
 * @param heldMillis how long writes were held
 */
public record SwitchoverResult(NodeAddress from, NodeAddress to, long heldMillis) {

    @Override
    public String toString() {
        return "switched " + from + " -> " + to + "; writes held " + heldMillis + " ms";
    }
}
