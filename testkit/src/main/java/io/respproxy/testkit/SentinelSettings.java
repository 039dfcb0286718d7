package io.respproxy.testkit;

/** The per-master Sentinel settings; small timeouts so failover tests finish in seconds. */
record SentinelSettings(String masterName, int quorum, int downAfterMillis, int failoverTimeoutMillis) {
}
