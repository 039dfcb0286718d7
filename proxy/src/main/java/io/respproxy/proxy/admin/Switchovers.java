package io.respproxy.proxy.admin;

import io.respproxy.routing.SwitchoverResult;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** What {@code POST /services/NAME/switchover} runs: the data plane's switchover. */
@FunctionalInterface
public interface Switchovers {
    CompletableFuture<SwitchoverResult> switchover(String service, Duration timeout);
}
