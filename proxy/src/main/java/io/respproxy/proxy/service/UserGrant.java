package io.respproxy.proxy.service;

import java.util.Set;

/**
 * What an authenticated client may do.
 *
 * @param name      the user name it authenticated as
 * @param readOnly  only read-only commands (writes get -NOPERM)
 * @param listeners listener names it may use (empty: all)
 */
public record UserGrant(String name, boolean readOnly, Set<String> listeners) {

    public UserGrant {
        listeners = Set.copyOf(listeners);
    }

    public boolean mayUse(String listener) {
        return listeners.isEmpty() || listeners.contains(listener);
    }
}
