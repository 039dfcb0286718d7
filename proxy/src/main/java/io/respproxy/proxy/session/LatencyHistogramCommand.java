package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.RespWriter;
import io.respproxy.proxy.service.CommandStats;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * LATENCY HISTOGRAM [command ...], answered from the service's per-command stats: the latency of
 * its clients' commands from read to reply, as they saw it, in Redis 7's reply shape. The other
 * LATENCY subcommands (LATEST, HISTORY, DOCTOR...) are about a node's events and go to the nodes.
 */
final class LatencyHistogramCommand {

    private LatencyHistogramCommand() {}

    static void execute(ClientSession s, RespRequest req) {
        Map<String, CommandStats> chosen = new LinkedHashMap<>();
        List<CommandStats> all = new ArrayList<>(s.service().stats().commands());
        all.sort(java.util.Comparator.comparing(CommandStats::name));
        if (req.size() <= 2) {
            all.forEach(c -> chosen.put(c.name(), c));
        } else {
            // A name, or a container whose subcommands all count (CLIENT: client|id, client|list...);
            // names no command has are skipped, as Redis skips them.
            for (int i = 2; i < req.size(); i++) {
                String name = new String(req.argBytes(i), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
                for (CommandStats c : all) {
                    if (c.name().equals(name) || c.name().startsWith(name + "|")) {
                        chosen.put(c.name(), c);
                    }
                }
            }
        }
        chosen.values().removeIf(c -> c.latency().calls() == 0 || c.name().equals(CommandStats.UNKNOWN));
        int protocol = s.state().protocol();
        ByteBuf out = s.alloc().buffer(64 + 96 * chosen.size());
        RespWriter.mapHeader(out, protocol, chosen.size());
        for (CommandStats c : chosen.values()) {
            RespWriter.bulk(out, c.name());
            RespWriter.mapHeader(out, protocol, 2);
            RespWriter.bulk(out, "calls");
            RespWriter.integer(out, c.latency().calls());
            RespWriter.bulk(out, "histogram_usec");
            long[] buckets = c.latency().cumulative();
            RespWriter.mapHeader(out, protocol, buckets.length / 2);
            for (long v : buckets) {
                RespWriter.integer(out, v);
            }
        }
        s.writeLocal(out);
    }
}
