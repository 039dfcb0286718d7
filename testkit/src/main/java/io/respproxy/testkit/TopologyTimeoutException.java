package io.respproxy.testkit;

/** A bounded wait of the testkit ran out: the topology did not reach the awaited state in time. */
public final class TopologyTimeoutException extends RuntimeException {

    TopologyTimeoutException(String message, Throwable lastFailure) {
        super(message, lastFailure);
    }
}
