package io.respproxy.testkit.junit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;

/**
 * Fails a test class when Netty reported a buffer (or other resource) leak while it ran.
 *
 * <p>Registered for every test of every module that has the testkit on its test classpath, through
 * {@code META-INF/services/org.junit.jupiter.api.extension.Extension} and
 * {@code junit.jupiter.extensions.autodetection.enabled=true} in the testkit's
 * {@code junit-platform.properties}. Use {@code @ExtendWith(LeakCheckExtension.class)} where
 * autodetection is off.
 *
 * <p>Checked per class, not per test: finding a leak needs garbage collections, too slow to run
 * after every test. A leak shows up in the class that ran when it was collected, normally the one
 * that leaked (each class is drained at its end).
 */
public final class LeakCheckExtension implements AfterAllCallback {

    /** Set once JUnit instantiated the extension in this JVM: lets a test prove autodetection works. */
    private static volatile boolean registered;

    private final LeakRecorder recorder;

    /** Installs the process-wide {@link LeakRecorder} as soon as JUnit loads the extension. */
    public LeakCheckExtension() {
        this.recorder = LeakRecorder.install();
        registered = true;
    }

    /** Whether JUnit has created this extension in this JVM (autodetection is working). */
    public static boolean isRegistered() {
        return registered;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<String> leaks = recorder.awaitNoLeaks();
        if (!leaks.isEmpty()) {
            StringBuilder message = new StringBuilder()
                    .append(leaks.size()).append(" Netty resource leak(s) detected while running ")
                    .append(context.getDisplayName()).append(" (or collected during it):");
            for (String leak : leaks) {
                message.append(System.lineSeparator()).append(leak);
            }
            throw new AssertionError(message.toString());
        }
    }
}
