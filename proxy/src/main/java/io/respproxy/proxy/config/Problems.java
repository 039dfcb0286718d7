package io.respproxy.proxy.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The problems found so far in one load. A problem at a path hides later ones at the same path
 * or below it: "expected an object" says it all, "missing" under it would only be noise.
 */
final class Problems {
    private final List<ConfigProblem> list = new ArrayList<>();

    void add(String path, String message, String origin) {
        if (!hasAt(path)) {
            list.add(new ConfigProblem(path, message, origin));
        }
    }

    void add(String path, String message) {
        add(path, message, "");
    }

    /** True when a problem was recorded at {@code path} or at one of its parents. */
    boolean hasAt(String path) {
        for (ConfigProblem p : list) {
            if (!p.path().isEmpty() && (path.equals(p.path()) || path.startsWith(p.path() + ".")
                    || path.startsWith(p.path() + "["))) {
                return true;
            }
        }
        return false;
    }

    boolean isEmpty() {
        return list.isEmpty();
    }

    /**
     * Throws when anything was recorded. Problems are sorted by path (file-level ones first):
     * discovery order depends on hash maps inside Typesafe Config, and a stable order is easier to
     * read and to compare between two runs of {@code respproxy check}.
     */
    void throwIfAny() throws ConfigException {
        if (!list.isEmpty()) {
            List<ConfigProblem> sorted = new ArrayList<>(list);
            sorted.sort(java.util.Comparator.comparing(ConfigProblem::path));
            throw new ConfigException(sorted);
        }
    }
}
