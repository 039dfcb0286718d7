package io.respproxy.testkit.junit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.reflect.Proxy;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Proves the leak check finds a leaked buffer, and stays quiet for released ones. */
class LeakRecorderTest {

    @Test
    void paranoidByDefault() {
        LeakRecorder.install();
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel());
    }

    @Test
    void releasedBuffersAreNoLeak() {
        LeakRecorder recorder = LeakRecorder.install();
        recorder.awaitNoLeaks();
        for (int i = 0; i < 100; i++) {
            ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer(64);
            buf.writeLong(i);
            buf.release();
        }
        assertTrue(recorder.awaitNoLeaks().isEmpty());
    }

    @Test
    void leakedBufferIsDetected() {
        LeakRecorder recorder = LeakRecorder.install();
        recorder.awaitNoLeaks();
        leakOneBuffer();
        List<String> leaks = recorder.awaitNoLeaks();
        // awaitNoLeaks() took the report, so this class's own leak check still passes
        assertFalse(leaks.isEmpty(), "deliberate leak not detected");
        assertTrue(leaks.get(0).contains("LEAK: ByteBuf.release() was not called"), leaks.get(0));
        assertTrue(leaks.get(0).contains("leakOneBuffer"), "records show where it was allocated: " + leaks.get(0));
        assertTrue(recorder.awaitNoLeaks().isEmpty(), "a report is returned once");
    }

    @Test
    void extensionIsAutoRegistered() {
        // nothing in this class registers it: junit-platform.properties + META-INF/services did
        assertTrue(LeakCheckExtension.isRegistered());
    }

    @Test
    void extensionFailsTheClassOnALeak() {
        LeakRecorder.install().awaitNoLeaks();
        LeakCheckExtension extension = new LeakCheckExtension();
        leakOneBuffer();
        AssertionError error = assertThrows(AssertionError.class, () -> extension.afterAll(context("LeakyTest")));
        assertTrue(error.getMessage().startsWith("1 Netty resource leak(s) detected while running LeakyTest"),
                error.getMessage());
        assertTrue(error.getMessage().contains("leakOneBuffer"), error.getMessage());
        extension.afterAll(context("CleanTest")); // reported once: the next class is clean
    }

    /** A minimal ExtensionContext: the extension only asks for the display name. */
    private static ExtensionContext context(String displayName) {
        return (ExtensionContext) Proxy.newProxyInstance(ExtensionContext.class.getClassLoader(),
                new Class<?>[] {ExtensionContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getDisplayName")) {
                        return displayName;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private static void leakOneBuffer() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.directBuffer(32);
        leaked.writeInt(42);
        // no release: the only reference dies with this frame
    }
}
