package io.respproxy.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start-up sweep kills orphaned testkit redis-servers and nothing else. */
class PidSweepIT {

    /** A pid no process has: the owner JVM of an orphan is dead. */
    private static final String DEAD_OWNER = "owner=999999999\nownerStart=\n";

    @Test
    void killsAnOrphanedTestkitRedisServer(@TempDir Path pidDir) throws Exception {
        Path nodeDir = TestkitDirs.newTopologyDir("orphan");
        Process orphan = new ProcessBuilder(RedisBinary.locate().path().toString(), "--port", "0", "--save", "")
                .directory(nodeDir.toFile()).redirectErrorStream(true)
                .redirectOutput(nodeDir.resolve("log").toFile()).start();
        try {
            assertTrue(orphan.isAlive());
            Files.writeString(pidDir.resolve(orphan.pid() + ".pid"), "dir=" + nodeDir + "\n" + DEAD_OWNER);
            PidRegistry.sweep(pidDir);
            assertTrue(orphan.waitFor(10, TimeUnit.SECONDS), "orphan must be killed");
            assertFalse(Files.exists(pidDir.resolve(orphan.pid() + ".pid")));
        } finally {
            orphan.destroyForcibly();
            TestkitDirs.deleteTree(nodeDir);
        }
    }

    @Test
    void leavesProcessesThatAreNotTestkitRedisServersAlone(@TempDir Path pidDir) throws Exception {
        Path nodeDir = TestkitDirs.newTopologyDir("not-redis");
        Process sleeper = new ProcessBuilder(List.of("sleep", "60")).directory(nodeDir.toFile()).start();
        try {
            Files.writeString(pidDir.resolve(sleeper.pid() + ".pid"), "dir=" + nodeDir + "\n" + DEAD_OWNER);
            PidRegistry.sweep(pidDir);
            assertTrue(sleeper.isAlive(), "a non-redis process must survive the sweep");
        } finally {
            sleeper.destroyForcibly();
            TestkitDirs.deleteTree(nodeDir);
        }
    }

    @Test
    void leavesNodesOfLiveJvmsAlone(@TempDir Path pidDir) throws Exception {
        try (RedisStandalone redis = RedisTopologies.standalone().start()) {
            ProcessHandle self = ProcessHandle.current();
            Files.writeString(pidDir.resolve(redis.node().pid() + ".pid"), "dir=" + redis.node().dir()
                    + "\nowner=" + self.pid() + "\nownerStart=" + self.info().startInstant().orElseThrow() + "\n");
            PidRegistry.sweep(pidDir);
            assertTrue(redis.node().isRunning(), "a node whose JVM still runs must survive the sweep");
        }
    }
}
