package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.respproxy.proxy.resp.ReplyStrings;
import io.respproxy.proxy.resp.RespRequest;
import io.respproxy.proxy.resp.RespWriter;
import io.respproxy.proxy.service.SlowLog;
import java.util.List;

/**
 * SLOWLOG GET / LEN / RESET / HELP, answered from the service's {@link SlowLog}: the commands of
 * the proxy's clients, with their addresses and names, not the nodes' logs of the proxy's
 * connections. Replies as Redis 7.0 words and shapes them.
 */
final class SlowLogCommand {

    private static final List<String> HELP = List.of(
            "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
            "HELP",
            "    Prints this help.");

    private SlowLogCommand() {}

    static void execute(ClientSession s, RespRequest req) {
        SlowLog log = s.service().slowLog();
        String sub = req.size() >= 2 ? LocalCommands.upper(req, 1) : "";
        if (req.size() == 2 && sub.equals("HELP")) {
            ByteBuf out = s.alloc().buffer(512);
            RespWriter.arrayHeader(out, HELP.size());
            HELP.forEach(line -> RespWriter.simpleString(out, line));
            s.writeLocal(out);
        } else if (req.size() == 2 && sub.equals("RESET")) {
            log.reset();
            s.writeLocal(Reply.simple(s.alloc(), "OK"));
        } else if (req.size() == 2 && sub.equals("LEN")) {
            s.writeLocal(Reply.integer(s.alloc(), log.size()));
        } else if ((req.size() == 2 || req.size() == 3) && sub.equals("GET")) {
            long count = 10;
            if (req.size() == 3) {
                count = req.parseLong(2, Long.MIN_VALUE);
                if (count == Long.MIN_VALUE) {
                    s.writeLocal(Reply.error(s.alloc(), ReplyStrings.NOT_INTEGER));
                    return;
                }
                if (count < -1) {
                    s.writeLocal(Reply.error(s.alloc(), "ERR count should be greater than or equal to -1"));
                    return;
                }
            }
            s.writeLocal(entries(s, log.newest(count)));
        } else {
            s.writeLocal(Reply.error(s.alloc(), ReplyStrings.unknownSubcommand("slowlog",
                    req.size() >= 2 ? req.asString(1) : "")));
        }
    }

    private static ByteBuf entries(ClientSession s, List<SlowLog.Entry> entries) {
        ByteBuf out = s.alloc().buffer(256);
        RespWriter.arrayHeader(out, entries.size());
        for (SlowLog.Entry e : entries) {
            RespWriter.arrayHeader(out, 6);
            RespWriter.integer(out, e.id());
            RespWriter.integer(out, e.unixSeconds());
            RespWriter.integer(out, e.micros());
            RespWriter.arrayHeader(out, e.args().size());
            e.args().forEach(a -> RespWriter.bulk(out, a));
            RespWriter.bulk(out, e.addr());
            RespWriter.bulk(out, e.name());
        }
        return out;
    }
}
