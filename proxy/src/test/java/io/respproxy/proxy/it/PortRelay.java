package io.respproxy.proxy.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A port-forward on loopback (what NAT, {@code kubectl port-forward} or a load balancer does to a
 * client's view of the proxy): connections to 127.0.0.1:{@code port} are relayed to
 * 127.0.0.1:{@code target}. Counts what it relayed, so a test can tell that a client used it.
 */
final class PortRelay implements AutoCloseable {

    private final ServerSocket server;
    private final int target;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean closed;
    private final io.respproxy.testkit.Partition partition = new io.respproxy.testkit.Partition();

    PortRelay(int port, int target) throws IOException {
        this.target = target;
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        Thread t = new Thread(this::acceptLoop, "relay-" + port);
        t.setDaemon(true);
        t.start();
    }

    /**
     * Starts or ends a partition: bytes stop passing both ways and are delivered once it ends;
     * connections stay open, as when packets are dropped.
     */
    void partition(boolean on) {
        partition.set(on);
    }

    private void awaitLink() throws IOException {
        partition.await(() -> closed);
    }

    /** Where it listens. */
    int port() {
        return server.getLocalPort();
    }

    /** Connections relayed so far. */
    int accepted() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket in;
            try {
                in = server.accept();
            } catch (IOException e) {
                continue; // closed: the loop ends
            }
            Socket out = new Socket();
            open.add(in);
            open.add(out);
            try {
                out.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 2000);
            } catch (IOException e) {
                closeQuietly(in); // the target refused: so does the relay
                closeQuietly(out);
                continue;
            }
            accepted.incrementAndGet();
            pipe(in, out);
            pipe(out, in);
        }
    }

    private void pipe(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                awaitLink();
                while ((n = in.read(buf)) >= 0) {
                    awaitLink();
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                // either side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "relay-pipe");
        t.setDaemon(true);
        t.start();
    }

    private void closeQuietly(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : open) {
            closeQuietly(s);
        }
    }
}
