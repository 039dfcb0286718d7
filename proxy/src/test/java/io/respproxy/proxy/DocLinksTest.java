package io.respproxy.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation links nowhere outside the repository, and its links inside it resolve: README,
 * DESIGN and every other Markdown file, package docs, the configuration files, the man page and the
 * unit. An address on loopback ({@code http://127.0.0.1:9121/readyz}) is an example, not a link.
 */
class DocLinksTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern URL = Pattern.compile("\\bhttps?://([^/\\s\"'`)<>\\]]+)");
    private static final Pattern LOOPBACK_HOST =
            Pattern.compile("(127(\\.\\d{1,3}){3}|localhost|\\[::1]|0\\.0\\.0\\.0)(:\\d+|:\\$\\w+)?|\\$\\{?\\w+}?");
    private static final Pattern MARKDOWN_LINK = Pattern.compile("]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*)$");

    @Test
    void noDocumentLinksOutsideTheRepository() throws IOException {
        List<String> external = new ArrayList<>();
        for (Path file : documents()) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = URL.matcher(lines.get(i));
                while (m.find()) {
                    if (!LOOPBACK_HOST.matcher(m.group(1)).matches()) {
                        external.add(REPO.relativize(file) + ":" + (i + 1) + ": " + m.group());
                    }
                }
            }
        }
        assertEquals(List.of(), external, "links outside the repository");
    }

    @Test
    void markdownLinksResolveInsideTheRepository() throws IOException {
        List<String> broken = new ArrayList<>();
        List<Path> markdown = documents().stream().filter(f -> f.toString().endsWith(".md")).toList();
        assertTrue(markdown.contains(REPO.resolve("README.md")), "README.md not found from " + REPO);
        for (Path file : markdown) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            Set<String> anchors = anchors(lines);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = MARKDOWN_LINK.matcher(lines.get(i));
                while (m.find()) {
                    String target = m.group(1);
                    if (target.matches("https?://.*")) {
                        continue; // the other test reports it
                    }
                    String where = REPO.relativize(file) + ":" + (i + 1) + ": " + target;
                    int hash = target.indexOf('#');
                    String path = hash < 0 ? target : target.substring(0, hash);
                    if (path.isEmpty()) {
                        if (!anchors.contains(target.substring(1))) {
                            broken.add(where + " (no such heading)");
                        }
                    } else {
                        Path resolved = file.getParent().resolve(path).normalize();
                        if (!resolved.startsWith(REPO) || !Files.exists(resolved)) {
                            broken.add(where + " (no such file in the repository)");
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), broken, "broken links");
    }

    /** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, -1 for repeats. */
    static Set<String> anchors(List<String> lines) {
        Set<String> anchors = new HashSet<>();
        boolean fenced = false;
        for (String line : lines) {
            if (line.startsWith("```")) {
                fenced = !fenced;
            }
            Matcher m = HEADING.matcher(line);
            if (fenced || !m.matches()) {
                continue;
            }
            String slug = m.group(1).strip().toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
            String anchor = slug;
            for (int n = 1; !anchors.add(anchor); n++) {
                anchor = slug + "-" + n;
            }
        }
        return anchors;
    }

    /** The files people read: Markdown, package docs, configuration, the man page, the unit. */
    private static List<Path> documents() throws IOException {
        try (Stream<Path> files = Files.walk(REPO)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> !excluded(REPO.relativize(f)))
                    .filter(f -> {
                        String name = f.getFileName().toString();
                        return name.endsWith(".md") || name.equals("package-info.java") || name.endsWith(".conf")
                                || name.endsWith(".1") || name.endsWith(".service");
                    })
                    .sorted()
                    .toList();
        }
    }

    private static boolean excluded(Path relative) {
        Set<String> skip = Set.of("target", ".git", "node_modules", ".mvn");
        for (Path part : relative) {
            if (skip.contains(part.toString())) {
                return true;
            }
        }
        return false;
    }
}
