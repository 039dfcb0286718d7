package io.respproxy.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Hands out loopback ports for nodes. A port is free when both it and its cluster bus port
 * ({@code port + 10000}) can be bound on 127.0.0.1 right now and no other node in this JVM was given
 * either of them.
 *
 * <p>Ports come from 12000..21999, so bus ports stay in 22000..31999: both below Linux's ephemeral
 * range (32768+), where outgoing connections would otherwise take them between check and bind.
 * Another JVM can still win the race; {@link RedisNode} retries on a fresh port when Redis reports
 * the address in use.
 */
public final class PortAllocator {

    static final int LOW = 12000;
    static final int HIGH = 22000;
    static final int BUS_OFFSET = 10000;

    /**
     * The one allocator of this JVM. Static on purpose: topologies started concurrently in one JVM
     * (parallel tests) must never be handed the same port, and they share nothing else.
     */
    private static final PortAllocator JVM_WIDE = new PortAllocator();

    private final Set<Integer> handedOut = new HashSet<>();

    PortAllocator() {
    }

    /** The allocator shared by every topology in this JVM. */
    public static PortAllocator shared() {
        return JVM_WIDE;
    }

    /** A port whose bus port is free as well; never handed out twice by this allocator. */
    public synchronized int allocate() {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = rnd.nextInt(LOW, HIGH);
            if (handedOut.contains(port) || handedOut.contains(port + BUS_OFFSET)
                    || handedOut.contains(port - BUS_OFFSET)) {
                continue;
            }
            if (canBind(port) && canBind(port + BUS_OFFSET)) {
                handedOut.add(port);
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port pair in " + LOW + ".." + HIGH);
    }

    static boolean canBind(int port) {
        try (ServerSocket s = new ServerSocket()) {
            // No SO_REUSEADDR: a port in TIME_WAIT is not safe to hand to a redis-server just yet.
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(InetAddress.getByName(RedisEndpoint.LOOPBACK), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
