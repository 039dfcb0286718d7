package io.respproxy.proxy.config;

/**
 * Which clients may connect, in the spirit of Redis's {@code protected-mode}: a proxy with no
 * users must not serve the whole network by accident.
 */
public enum ProtectedMode {
    /** Loopback clients only when the service has no users; anyone (who authenticates) otherwise. */
    AUTO,
    /** Loopback clients only, always (e.g. a proxy used as a local sidecar). */
    YES,
    /** Anyone may connect, even when the service has no users: a deliberate choice. */
    NO
}
