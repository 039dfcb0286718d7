package io.respproxy.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * An inline {@code PING} over a plain socket, to tell when a freshly started server accepts commands.
 * Not Lettuce: it is polled every 100 ms while nothing listens yet, and a bare socket fails fast.
 */
final class RawPing {

    private RawPing() {
    }

    /** The first reply line ({@code +PONG}, {@code -NOAUTH ...}, {@code -LOADING ...}), or empty. */
    static Optional<String> ping(RedisEndpoint endpoint, Duration timeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b != -1 && b != '\r' && line.length() < 512; b = in.read()) {
                line.append((char) b);
            }
            return line.length() == 0 ? Optional.empty() : Optional.of(line.toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
