/**
 * Measuring on the data path without slowing it: fixed-bucket latency histograms over
 * {@link java.util.concurrent.atomic.LongAdder}s and the per-loop clock reading they share. No
 * dependencies on the rest of the proxy; every package may use it.
 */
package io.respproxy.proxy.metrics;
