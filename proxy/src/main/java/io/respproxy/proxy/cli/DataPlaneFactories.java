package io.respproxy.proxy.cli;

/** Which data plane {@code respproxy run} starts. */
final class DataPlaneFactories {
    /**
     * Until the data path is wired in, {@code run} serves only the admin port. Replace this with
     * the data path's factory (listeners, pools, topology, health).
     */
    static final DataPlane.Factory DEFAULT = (config, metrics) -> DataPlane.none();

    private DataPlaneFactories() {}
}
