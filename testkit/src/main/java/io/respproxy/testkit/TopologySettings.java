package io.respproxy.testkit;

import java.time.Duration;

/** What every builder collects: binary, data-node credentials, extra config, start timeout. */
record TopologySettings(RedisBinary binary, Credentials auth, ExtraConfig extraConfig, Duration startTimeout) {
}
