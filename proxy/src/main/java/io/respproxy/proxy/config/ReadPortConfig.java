package io.respproxy.proxy.config;

import io.respproxy.routing.route.ListenerRole;

/**
 * How a {@link ListenerRole#READ} listener treats commands ({@code read-port} in the
 * configuration).
 *
 * @param writesToMaster     true: writes on the read port go to the master ({@code writes =
 *                           master}); false: they get an error ({@code writes = reject})
 * @param fallbackToMaster   true: reads go to the master while no replica is fit to serve
 */
public record ReadPortConfig(boolean writesToMaster, boolean fallbackToMaster) {}
