package io.respproxy.deb;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Installs the built .deb with dpkg, runs the installed {@code /usr/bin/respproxy}, checks the user,
 * the files and the unit, and purges the package again, leaving the machine as it was.
 *
 * <p>It needs root and dpkg (CI: Debian, as root) and is skipped otherwise, and also where anything
 * the purge would delete already exists (an installed respproxy, a respproxy user): it never
 * touches what it did not create. The package Depends on a Java 17+ runtime from a Debian package
 * ({@code default-jre-headless | java17-runtime-headless}); dpkg checks that against what is
 * installed and does not fetch anything, so where the running JDK did not come from a Debian
 * package the install fails on dependencies: the test then says so and purges (a failure under
 * CI, whose {@code .ci/run} installs the Depends first; a skip elsewhere).
 */
class DebPackageIT {

    private static final String PACKAGE = "respproxy";
    private static final Path CONF = Path.of("/etc/respproxy/respproxy.conf");
    private static final Path DEFAULTS = Path.of("/etc/default/respproxy");
    private static final Path JAR = Path.of("/usr/share/respproxy/respproxy.jar");
    private static final Path LAUNCHER = Path.of("/usr/bin/respproxy");
    private static final Path UNIT = Path.of("/lib/systemd/system/respproxy.service");
    private static final Path WANTS = Path.of("/etc/systemd/system/multi-user.target.wants/respproxy.service");

    /** Set once dpkg has unpacked anything: from then on {@link #purgeIfLeftBehind()} cleans up. */
    private static boolean touched;

    /** Skips the test, saying why on the console too (an assumption's message is in the report only). */
    @BeforeEach
    void preconditions() throws Exception {
        Optional<String> why = whyNotHere();
        if (why.isPresent()) {
            System.err.println("DebPackageIT skipped: " + why.get());
            assumeTrue(false, why.get());
        }
    }

    private static Optional<String> whyNotHere() throws Exception {
        if (!System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")) {
            return Optional.of("not Linux");
        }
        if (!onPath("dpkg") || !onPath("dpkg-query")) {
            return Optional.of("no dpkg here (not a Debian system)");
        }
        String uid = Run.of("id", "-u").out().strip();
        if (!uid.equals("0")) {
            return Optional.of("installing a package needs root (uid " + uid + ")");
        }
        if (Run.of("dpkg-query", "-W", "-f=${db:Status-Abbrev}", PACKAGE).out().startsWith("i")) {
            return Optional.of("respproxy is installed on this machine; the test would replace and purge it");
        }
        if (Run.of("getent", "passwd", PACKAGE).exit() == 0 || Run.of("getent", "group", PACKAGE).exit() == 0) {
            return Optional.of("a respproxy user or group exists; purging the package would delete it");
        }
        if (Files.exists(Path.of("/etc/respproxy"))) {
            return Optional.of("/etc/respproxy exists; purging the package would delete it");
        }
        return Optional.empty();
    }

    @AfterAll
    static void purgeIfLeftBehind() throws Exception {
        if (touched && !Run.of("dpkg-query", "-W", "-f=${db:Status-Abbrev}", PACKAGE).out().isBlank()) {
            Run purge = Run.of("dpkg", "--purge", PACKAGE);
            System.err.println("DebPackageIT: purged what a failed run left: " + purge);
        }
    }

    @Test
    void installsRunsAndPurgesCleanly() throws Exception {
        Path deb = Path.of(System.getProperty("respproxy.deb", "target/respproxy.deb"));
        String version = System.getProperty("respproxy.version", "");
        assertTrue(Files.isRegularFile(deb), "no package at " + deb + " (built by `package`)");
        assertEquals(PACKAGE, Run.of("dpkg-deb", "-f", deb.toString(), "Package").out().strip());

        touched = true;
        Run install = Run.of("dpkg", "-i", deb.toString());
        if (install.exit() != 0 && install.all().contains("dependency problems")) {
            Run.of("dpkg", "--purge", PACKAGE);
            String why = "the package's Depends are not met by the installed Debian packages (dpkg installs"
                    + " none): " + Run.of("dpkg-deb", "-f", deb.toString(), "Depends").out().strip()
                    + "; e.g. apt-get install openjdk-17-jre-headless. dpkg said:\n" + install.all();
            if (System.getenv("CI") != null) {
                fail(why);
            }
            System.err.println("DebPackageIT skipped: " + why);
            assumeTrue(false, why);
        }
        assertEquals(0, install.exit(), "dpkg -i failed:\n" + install.all());
        assertEquals("ii ", Run.of("dpkg-query", "-W", "-f=${db:Status-Abbrev}", PACKAGE).out());

        // The installed launcher, with the installed jar and /etc/default/respproxy's JAVA_OPTS.
        Run versionRun = Run.of(LAUNCHER.toString(), "version");
        assertEquals(0, versionRun.exit(), versionRun.toString());
        assertEquals("respproxy " + version, versionRun.out().strip());

        Run check = Run.of(LAUNCHER.toString(), "check", "-c", CONF.toString());
        assertEquals(0, check.exit(), check.toString());
        assertEquals("configuration file " + CONF + " test is successful", check.out().strip());
        // The daemon's own user can read its configuration.
        Run checkAsDaemon = Run.of("runuser", "-u", PACKAGE, "--", LAUNCHER.toString(), "check", "-c", CONF.toString());
        assertEquals(0, checkAsDaemon.exit(), checkAsDaemon.toString());

        String passwd = Run.of("getent", "passwd", PACKAGE).out().strip();
        PosixFileAttributes conf = Files.readAttributes(CONF, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertAll("installed",
                () -> assertTrue(passwd.endsWith(":/nonexistent:/usr/sbin/nologin"), "system user: " + passwd),
                () -> assertEquals(0, Run.of("getent", "group", PACKAGE).exit(), "group respproxy"),
                () -> assertTrue(Files.isExecutable(LAUNCHER), LAUNCHER + " executable"),
                () -> assertTrue(Files.isRegularFile(UNIT), UNIT.toString()),
                () -> assertTrue(Files.isRegularFile(DEFAULTS), DEFAULTS.toString()),
                () -> assertEquals("root", conf.owner().getName(), CONF + " owner"),
                () -> assertEquals(PACKAGE, conf.group().getName(), CONF + " group"),
                () -> assertEquals("rw-r-----", PosixFilePermissions.toString(conf.permissions()), CONF + " mode"),
                () -> assertEquals(List.of(DEFAULTS.toString(), CONF.toString()), conffiles(), "conffiles"),
                // Enabled, even with no systemd running: deb-systemd-helper made the link.
                () -> assertEquals(UNIT, Files.readSymbolicLink(WANTS), WANTS + " (enabled)"),
                DebPackageIT::jarHasNoBundledRedis);
        if (onPath("systemd-analyze")) {
            Run verify = Run.of("systemd-analyze", "verify", UNIT.toString());
            assertEquals(0, verify.exit(), verify.toString());
            assertFalse(verify.all().contains("respproxy.service"), "systemd-analyze verify: " + verify.all());
        }

        Run purge = Run.of("dpkg", "--purge", PACKAGE);
        assertEquals(0, purge.exit(), "dpkg --purge failed:\n" + purge.all());
        touched = false;
        assertAll("purged",
                () -> assertEquals("", Run.of("dpkg-query", "-W", "-f=${db:Status-Abbrev}", PACKAGE).out().strip()),
                () -> assertEquals(2, Run.of("getent", "passwd", PACKAGE).exit(), "user respproxy removed"),
                () -> assertEquals(2, Run.of("getent", "group", PACKAGE).exit(), "group respproxy removed"),
                () -> assertFalse(Files.exists(Path.of("/etc/respproxy")), "/etc/respproxy removed"),
                () -> assertFalse(Files.exists(DEFAULTS), DEFAULTS + " removed"),
                () -> assertFalse(Files.exists(JAR), JAR + " removed"),
                () -> assertFalse(Files.exists(LAUNCHER), LAUNCHER + " removed"),
                () -> assertFalse(Files.exists(WANTS, LinkOption.NOFOLLOW_LINKS), WANTS + " removed"),
                () -> assertFalse(Files.exists(Path.of("/etc/systemd/system/respproxy.service"),
                        LinkOption.NOFOLLOW_LINKS), "no mask left"));
    }

    /** The testkit's process classes (for `demo`) are there; embedded-redis and its binaries are not. */
    private static void jarHasNoBundledRedis() throws IOException {
        List<String> bundled = new ArrayList<>();
        boolean testkit;
        try (ZipFile jar = new ZipFile(JAR.toFile())) {
            jar.stream().map(e -> e.getName())
                    .filter(n -> n.startsWith("redis-server") || n.startsWith("redis/embedded/"))
                    .forEach(bundled::add);
            testkit = jar.getEntry("io/respproxy/testkit/RedisBinary.class") != null;
        }
        assertEquals(List.of(), bundled, "embedded-redis in " + JAR);
        assertTrue(testkit, "the testkit's RedisBinary in " + JAR + " (respproxy demo)");
    }

    private static List<String> conffiles() throws Exception {
        List<String> files = new ArrayList<>();
        for (String line : Run.of("dpkg-query", "-W", "-f=${Conffiles}", PACKAGE).out().split("\n")) {
            if (!line.isBlank()) {
                files.add(line.strip().split("\\s+")[0]);
            }
        }
        files.sort(null);
        return files;
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

}
