package io.respproxy.proxy.config;

import java.util.Optional;
import java.util.Set;

/**
 * A client identity the proxy itself authenticates (AUTH / HELLO AUTH), per service.
 *
 * @param name      user name; {@code default} is the user of a one-argument {@code AUTH password}
 * @param password  the password (its toString is {@code ***})
 * @param readOnly  true: write commands get {@code -NOPERM}
 * @param listeners the listener names this user may use; empty = all listeners
 */
public record UserConfig(String name, Secret password, boolean readOnly, Optional<Set<String>> listeners) {

    public UserConfig {
        listeners = listeners.map(Set::copyOf);
    }

    /** True when this user may authenticate on the listener called {@code listenerName}. */
    public boolean mayUse(String listenerName) {
        return listeners.map(l -> l.contains(listenerName)).orElse(true);
    }
}
