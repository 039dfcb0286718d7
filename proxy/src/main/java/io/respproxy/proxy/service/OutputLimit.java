package io.respproxy.proxy.service;

import java.time.Duration;

/**
 * One class of Redis's {@code client-output-buffer-limit}: a client whose unsent replies exceed
 * {@code hardBytes}, or stay above {@code softBytes} for {@code softDuration}, is closed. Zero
 * disables either limit, as in Redis.
 */
public record OutputLimit(long hardBytes, long softBytes, Duration softDuration) {

    /** Redis's classes, by what the client is doing. */
    public enum ClientClass { NORMAL, PUBSUB, REPLICA }

    /** Whether {@code unsent} bytes break the hard limit. */
    public boolean overHard(long unsent) {
        return hardBytes > 0 && unsent > hardBytes;
    }

    /** Whether {@code unsent} bytes are above the soft limit (its clock then runs). */
    public boolean overSoft(long unsent) {
        return softBytes > 0 && unsent > softBytes;
    }

    /** The three classes of one service. */
    public record Classes(OutputLimit normal, OutputLimit pubsub, OutputLimit replica) {

        public OutputLimit of(ClientClass c) {
            return switch (c) {
                case NORMAL -> normal;
                case PUBSUB -> pubsub;
                case REPLICA -> replica;
            };
        }
    }
}
