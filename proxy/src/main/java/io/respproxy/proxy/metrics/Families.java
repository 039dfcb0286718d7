package io.respproxy.proxy.metrics;

import io.prometheus.client.Collector;
import io.prometheus.client.Collector.MetricFamilySamples;
import io.prometheus.client.Collector.MetricFamilySamples.Sample;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the metric families of one scrape, each declared once (name, type, help, label names)
 * and given samples as they are read. Counters follow the Prometheus client's convention: the
 * family is named without {@code _total}, its sample with it (the text format prints both that
 * way). Histograms get {@code _bucket} samples with {@code le}, {@code _count} and {@code _sum}.
 */
public final class Families {

    private record Family(String name, Collector.Type type, String help, List<String> labels, List<Sample> samples) {}

    private final Map<String, Family> families = new LinkedHashMap<>();

    /** Declares a gauge; {@code labels} are its label names in the order samples give values. */
    public Families gauge(String name, String help, String... labels) {
        return declare(name, Collector.Type.GAUGE, help, labels);
    }

    /** Declares a counter named {@code name_total} (pass the name with its {@code _total}). */
    public Families counter(String name, String help, String... labels) {
        if (!name.endsWith("_total")) {
            throw new IllegalArgumentException("a counter's name ends with _total: " + name);
        }
        return declare(name.substring(0, name.length() - "_total".length()), Collector.Type.COUNTER, help, labels);
    }

    /** Declares a histogram (of seconds: name it {@code ..._seconds}). */
    public Families histogram(String name, String help, String... labels) {
        return declare(name, Collector.Type.HISTOGRAM, help, labels);
    }

    private Families declare(String name, Collector.Type type, String help, String... labels) {
        if (families.putIfAbsent(name, new Family(name, type, help, List.of(labels), new ArrayList<>())) != null) {
            throw new IllegalArgumentException("declared twice: " + name);
        }
        return this;
    }

    /** One sample of a gauge or counter (a counter by its {@code _total} name). */
    public void set(String name, double value, String... labelValues) {
        Family f = family(name);
        check(f, labelValues);
        String sampleName = f.type == Collector.Type.COUNTER ? f.name + "_total" : f.name;
        f.samples.add(new Sample(sampleName, f.labels, List.of(labelValues), value));
    }

    /** A histogram's samples for one set of label values. */
    public void set(String name, LatencyHistogram.Snapshot h, String... labelValues) {
        Family f = families.get(name);
        if (f == null || f.type != Collector.Type.HISTOGRAM) {
            throw new IllegalArgumentException("not a declared histogram: " + name);
        }
        check(f, labelValues);
        List<String> names = new ArrayList<>(f.labels);
        names.add("le");
        double[] bounds = LatencyHistogram.boundsSeconds();
        long[] cumulative = h.cumulative();
        for (int i = 0; i < cumulative.length; i++) {
            List<String> values = new ArrayList<>(List.of(labelValues));
            // As Go's client writes them (0.00025, 1, 10), not Java's 2.5E-4 and 1.0.
            values.add(i < bounds.length
                    ? java.math.BigDecimal.valueOf(bounds[i]).stripTrailingZeros().toPlainString() : "+Inf");
            f.samples.add(new Sample(f.name + "_bucket", names, values, cumulative[i]));
        }
        f.samples.add(new Sample(f.name + "_count", f.labels, List.of(labelValues), h.count()));
        f.samples.add(new Sample(f.name + "_sum", f.labels, List.of(labelValues), h.sumSeconds()));
    }

    private Family family(String name) {
        Family f = families.get(name);
        if (f == null && name.endsWith("_total")) {
            f = families.get(name.substring(0, name.length() - "_total".length()));
        }
        if (f == null || f.type == Collector.Type.HISTOGRAM) {
            throw new IllegalArgumentException("not a declared gauge or counter: " + name);
        }
        return f;
    }

    private static void check(Family f, String[] labelValues) {
        if (labelValues.length != f.labels.size()) {
            throw new IllegalArgumentException(f.name + " has labels " + f.labels + ", got " + labelValues.length + " values");
        }
    }

    /** The families declared, in order, with their samples. */
    public List<MetricFamilySamples> build() {
        List<MetricFamilySamples> out = new ArrayList<>(families.size());
        for (Family f : families.values()) {
            out.add(new MetricFamilySamples(f.name, f.type, f.help, List.copyOf(f.samples)));
        }
        return out;
    }
}
