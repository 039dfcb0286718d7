package io.respproxy.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NAT on loopback for one node: listens on the address the node announces and relays to where
 * it listens, for the inside network only. A connection from {@link #INSIDE} (the topology's own
 * nodes and Sentinels, started with {@code bind-source-addr}) is relayed; any other (a proxy, a
 * test) is reset at once, as if the announced address led nowhere.
 *
 * <p>Every connection between the topology's processes goes through a relay, so the node sees it
 * come from 127.0.0.1: protected mode (a node without password) admits only 127.0.0.1 and ::1, and
 * answers a direct connection from {@link #INSIDE} with {@code -DENIED} (seen on redis 7.0.15).
 *
 * <p>Blocking sockets, one thread per direction: a topology has a few dozen connections, and a node
 * that is killed, paused or restarted behaves through the relay as it does directly (closed, silent,
 * back on the same port). Either side closing closes both; Redis does not half-close.
 */
final class NatRelay implements AutoCloseable {

    /** The source address of every connection the topology's own processes open. */
    static final String INSIDE = "127.0.0.3";

    private static final Logger LOG = LoggerFactory.getLogger(NatRelay.class);
    private static final int CONNECT_TIMEOUT_MILLIS = 2000;
    private static final long THREAD_STACK = 256 * 1024;

    private final RedisEndpoint announced;
    private final InetSocketAddress target;
    private final InetAddress inside;
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    private final Partition partition = new Partition();

    private NatRelay(RedisEndpoint announced, String listenHost, RedisEndpoint target) throws IOException {
        this.announced = announced;
        this.target = new InetSocketAddress(InetAddress.getByName(target.host()), target.port());
        this.inside = InetAddress.getByName(INSIDE);
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        try {
            server.bind(new InetSocketAddress(InetAddress.getByName(listenHost), announced.port()), 64);
        } catch (IOException e) {
            server.close();
            throw e;
        }
    }

    /**
     * Starts relaying {@code announced} (bound on {@code listenHost}) to {@code target}.
     *
     * @throws UncheckedIOException if the announced address cannot be bound (another process has it)
     */
    static NatRelay open(RedisEndpoint announced, String listenHost, RedisEndpoint target) {
        NatRelay relay;
        try {
            relay = new NatRelay(announced, listenHost, target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on announced address " + announced + " (" + listenHost
                    + ") for " + target, e);
        }
        relay.thread("accept", relay::acceptLoop).start();
        return relay;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket in;
            try {
                in = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("relay {} stopped accepting", announced, e);
                }
                return;
            }
            if (!inside.equals(in.getInetAddress())) {
                LOG.debug("relay {}: reset connection from outside {}", announced, in.getRemoteSocketAddress());
                reset(in);
                continue;
            }
            Socket out = new Socket();
            try {
                out.connect(target, CONNECT_TIMEOUT_MILLIS);
                in.setTcpNoDelay(true);
                out.setTcpNoDelay(true);
            } catch (IOException e) {
                // the node is down: the inside sees what it would see connecting directly, a failure
                closeQuietly(out);
                reset(in);
                continue;
            }
            open.add(in);
            open.add(out);
            if (closed) {
                closeQuietly(in);
                closeQuietly(out);
                return;
            }
            thread("up", () -> pump(in, out)).start();
            thread("down", () -> pump(out, in)).start();
        }
    }

    /**
     * Starts or ends a partition between the node and the inside: bytes stop passing both ways
     * (held, as TCP keeps retransmitting them, and delivered once it ends) and new connections
     * stay silent; connections stay open, as they do when packets are dropped.
     */
    void partition(boolean on) {
        partition.set(on);
    }

    private void pump(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try {
            InputStream is = from.getInputStream();
            OutputStream os = to.getOutputStream();
            awaitLink();
            for (int n = is.read(buf); n >= 0; n = is.read(buf)) {
                awaitLink(); // read while the link was up, sent once it is up again
                os.write(buf, 0, n);
            }
        } catch (IOException e) {
            // either side closed or reset: close both below
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void awaitLink() throws IOException {
        partition.await(() -> closed);
    }

    private Thread thread(String role, Runnable body) {
        Thread t = new Thread(null, body, "nat-relay-" + announced + "-" + role, THREAD_STACK);
        t.setDaemon(true);
        return t;
    }

    /** RST instead of FIN: the client learns at once that the address leads nowhere. */
    private void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (SocketException e) {
            // closing is what matters
        }
        closeQuietly(s);
    }

    private void closeQuietly(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }

    /** Stops listening and closes every relayed connection. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // nothing left to do
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    @Override
    public String toString() {
        return "NatRelay{" + announced + " -> " + target + "}";
    }
}
