package io.respproxy.deb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * One of the packaging's end-to-end scripts ({@code packaging/keepalived/}, {@code packaging/systemd/})
 * run as a test. The scripts share a contract: they print progress, end with
 * {@code RESULT key=value ...} (exit 0) or {@code FAILED: why} (exit 1), or print
 * {@code skipped: why} and exit 0 where they cannot run (the test is then aborted with that reason).
 * Their output goes to {@code WORK/script.out}; they keep their logs in {@code WORK}.
 */
final class ScriptRun {

    private ScriptRun() {}

    /**
     * Runs {@code script} with {@code env} (plus stdin from /dev/null) for at most
     * {@code timeoutSeconds}, and returns its RESULT fields, every one of {@code keys} present.
     */
    static Map<String, String> result(Path script, Path work, Map<String, String> env, long timeoutSeconds,
                                      List<String> keys) throws Exception {
        deleteRecursively(work);
        Files.createDirectories(work);
        Path output = work.resolve("script.out");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(output.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            // Taken before the signal: killing bash alone would leave what it started running.
            List<ProcessHandle> descendants = p.descendants().toList();
            p.destroy(); // SIGTERM: the script's trap removes what it created
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                // (a container's init among them: its death ends every process inside)
                descendants.forEach(ProcessHandle::destroyForcibly);
            }
            fail(script.getFileName() + " did not finish within " + timeoutSeconds + " s:\n"
                    + Files.readString(output, StandardCharsets.UTF_8));
        }
        String out = Files.readString(output, StandardCharsets.UTF_8);
        System.out.print(out);
        List<String> lines = out.lines().toList();
        if (p.exitValue() == 0) {
            lines.stream().filter(l -> l.startsWith("skipped: ")).findFirst().ifPresent(Assumptions::abort);
        }
        assertEquals(0, p.exitValue(), script.getFileName() + " failed:\n" + out);
        String resultLine = lines.stream().filter(l -> l.startsWith("RESULT ")).reduce((a, b) -> b).orElse(null);
        assertNotNull(resultLine, "no RESULT line:\n" + out);
        Map<String, String> values = new HashMap<>();
        for (String field : resultLine.substring("RESULT ".length()).trim().split("\\s+")) {
            int eq = field.indexOf('=');
            values.put(field.substring(0, eq), field.substring(eq + 1));
        }
        for (String key : keys) {
            assertNotNull(values.get(key), "RESULT has no " + key + ": " + resultLine);
        }
        values.put("", resultLine); // the whole line, for assertion messages
        return values;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
