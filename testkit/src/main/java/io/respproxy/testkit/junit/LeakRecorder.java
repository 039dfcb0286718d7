package io.respproxy.testkit.junit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Collects Netty's resource leak reports so tests can fail on them instead of only logging them.
 *
 * <p>Netty keeps one leak detector per resource type, created once from a process-wide
 * {@link ResourceLeakDetectorFactory}; so this recorder is process-wide too ({@link #install()}).
 * It must be installed before Netty's {@code ByteBuf} class initialises (the JUnit extension does
 * that as the engine starts); if something was earlier, it falls back to a leak listener on the
 * existing ByteBuf detector.
 *
 * <p>Leaks are only noticed when the leaked object has been garbage collected and the detector
 * polls its reference queue, which it does when it tracks a new allocation: {@link #awaitNoLeaks()}
 * forces both.
 */
public final class LeakRecorder {

    private static final Object LOCK = new Object();
    private static volatile LeakRecorder installed;

    private final List<String> leaks = new ArrayList<>();
    private final Set<String> detectorsCreated = ConcurrentHashMap.newKeySet();

    private LeakRecorder() {}

    /**
     * Installs the recording detector factory (once per JVM) and returns the recorder. Sets the
     * leak detection level to PARANOID unless {@code io.netty.leakDetection.level} was given.
     */
    public static LeakRecorder install() {
        LeakRecorder recorder = installed;
        if (recorder != null) {
            return recorder;
        }
        synchronized (LOCK) {
            if (installed == null) {
                recorder = new LeakRecorder();
                if (System.getProperty("io.netty.leakDetection.level") == null) {
                    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
                }
                ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory(recorder));
                // Initialise ByteBuf's detector now, through our factory, or learn that it is too late.
                Unpooled.buffer(1).release();
                if (!recorder.detectorsCreated.contains(ByteBuf.class.getName())) {
                    recorder.listenToExistingByteBufDetector();
                }
                installed = recorder;
            }
            return installed;
        }
    }

    /**
     * Makes pending leaks visible (garbage collects, then allocates and releases buffers so the
     * detector polls its queue), and returns and forgets every leak recorded so far. Empty means
     * no leak was found.
     */
    public List<String> awaitNoLeaks() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                // the reference handler thread enqueues cleared references asynchronously
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            // each tracked allocation makes the ByteBuf detector poll its reference queue
            PooledByteBufAllocator.DEFAULT.heapBuffer(1).release();
            PooledByteBufAllocator.DEFAULT.directBuffer(1).release();
            UnpooledByteBufAllocator.DEFAULT.heapBuffer(1).release();
        }
        synchronized (leaks) {
            List<String> found = new ArrayList<>(leaks);
            leaks.clear();
            return found;
        }
    }

    void record(String report) {
        synchronized (leaks) {
            leaks.add(report);
        }
    }

    private void listenToExistingByteBufDetector() {
        try {
            Class<?> abstractByteBuf = Class.forName("io.netty.buffer.AbstractByteBuf");
            Field field = abstractByteBuf.getDeclaredField("leakDetector");
            field.setAccessible(true);
            ResourceLeakDetector<?> detector = (ResourceLeakDetector<?>) field.get(null);
            detector.setLeakListener((resourceType, records) -> record(format(resourceType, records)));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("Netty's ByteBuf leak detector was created before the leak check "
                    + "could be installed, and it cannot be reached: leaks would go unnoticed", e);
        }
    }

    static String format(String resourceType, String records) {
        return "LEAK: " + resourceType + ".release() was not called before it was garbage-collected."
                + (records == null || records.isEmpty() ? "" : records);
    }

    /** Creates detectors that report to the recorder (and still log, as Netty's do). */
    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        private final LeakRecorder recorder;

        RecordingFactory(LeakRecorder recorder) {
            this.recorder = recorder;
        }

        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                   long maxActive) {
            recorder.detectorsCreated.add(resource.getName());
            return new RecordingDetector<>(resource, samplingInterval, recorder);
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        private final LeakRecorder recorder;

        RecordingDetector(Class<?> resource, int samplingInterval, LeakRecorder recorder) {
            super(resource, samplingInterval);
            this.recorder = recorder;
        }

        @Override
        protected boolean needReport() {
            // report even when logging is configured off: the test must still fail
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            recorder.record(format(resourceType, records));
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            recorder.record(format(resourceType, "") + " (enable PARANOID leak detection to see where)");
            super.reportUntracedLeak(resourceType);
        }
    }
}
