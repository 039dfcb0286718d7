package io.respproxy.deb;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The package under a real systemd (issue #9): runs {@code packaging/systemd/systemd-boot-test.sh},
 * which boots this machine's Debian in a systemd-nspawn container (its root an overlay on a tmpfs,
 * its network a loopback of its own), installs the built .deb there, and checks that the unit
 * starts at boot as the respproxy user with its hardening, serves, reloads without dropping a
 * connection, rejects an invalid file, is restarted after a crash and by an upgrade, stops with
 * exit 0, starts again, and is purged without a trace. The script makes those checks; this test
 * runs it and reads its RESULT line.
 *
 * <p>Skipped, with the script's reason, where it cannot run: not root, no systemd-nspawn
 * ({@code .ci/run} installs systemd-container; CI runs as root), no overlayfs. The script's output
 * and the container's journal stay in {@code target/systemd-boot/}.
 */
class SystemdBootIT {
    private static final Path SCRIPT = Path.of("../systemd/systemd-boot-test.sh");
    private static final Path WORK = Path.of("target/systemd-boot");
    /** Four JVM starts, a boot and two dpkg runs in the container, on a busy 2-core machine. */
    private static final long SCRIPT_TIMEOUT_SECONDS = 420;
    private static final List<String> TIMINGS =
            List.of("boot_ready_ms", "reload_ms", "crash_ready_ms", "stop_ms", "start_ready_ms");

    @Test
    void theUnitStartsReloadsRestartsAndStopsUnderSystemd() throws Exception {
        Path deb = Path.of(System.getProperty("respproxy.deb", "target/respproxy.deb"));
        assertTrue(Files.isRegularFile(deb), "no package at " + deb + " (built by `package`)");
        Map<String, String> result = ScriptRun.result(SCRIPT, WORK, Map.of(
                        "RESPPROXY_DEB", deb.toAbsolutePath().toString(),
                        "SYSTEMD_TEST_WORKDIR", WORK.toAbsolutePath().toString()),
                SCRIPT_TIMEOUT_SECONDS, TIMINGS);
        for (String timing : TIMINGS) {
            assertTrue(Long.parseLong(result.get(timing)) > 0, timing + " is not a duration: " + result.get(""));
        }
    }
}
