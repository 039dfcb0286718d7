package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.proxy.metrics.PromText;
import java.util.List;
import java.util.Map;

/** Reading one value out of a parsed scrape, for the admin ITs. */
final class MetricsITValues {

    private MetricsITValues() {}

    /** The one sample {@code sample} of {@code family} whose labels include {@code labels}; 0 when none. */
    static double value(Map<String, PromText.Family> m, String family, String sample, Map<String, String> labels) {
        PromText.Family f = m.get(family);
        assertNotNull(f, "no family " + family);
        List<PromText.Sample> found = f.find(sample, labels);
        assertTrue(found.size() <= 1, sample + labels + " matches " + found);
        return found.isEmpty() ? 0 : found.get(0).value();
    }

    static double delta(Map<String, PromText.Family> before, Map<String, PromText.Family> after, String family,
                        String sample, Map<String, String> labels) {
        return value(after, family, sample, labels) - value(before, family, sample, labels);
    }
}
