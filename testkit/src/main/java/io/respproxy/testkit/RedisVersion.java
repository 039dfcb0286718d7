package io.respproxy.testkit;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A redis-server version as printed by {@code redis-server --version} ({@code v=7.0.15}).
 *
 * <p>Tests use it to skip features a version lacks, e.g. {@code CLUSTER SHARDS} before 7.0:
 * {@code assumeTrue(RedisBinary.locate().version().isAtLeast(7, 0))}.
 */
public record RedisVersion(int major, int minor, int patch) implements Comparable<RedisVersion> {

    private static final Pattern VERSION = Pattern.compile("v=(\\d+)\\.(\\d+)\\.(\\d+)");

    /**
     * Parses the output of {@code redis-server --version}.
     *
     * @throws IllegalArgumentException if the text holds no {@code v=X.Y.Z}
     */
    public static RedisVersion parse(String versionOutput) {
        Matcher m = VERSION.matcher(versionOutput);
        if (!m.find()) {
            throw new IllegalArgumentException("no redis version (v=X.Y.Z) in: " + versionOutput.strip());
        }
        return new RedisVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)));
    }

    /** True if this version is {@code major.minor} or later. */
    public boolean isAtLeast(int major, int minor) {
        return this.major > major || (this.major == major && this.minor >= minor);
    }

    @Override
    public int compareTo(RedisVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
