package io.respproxy.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.proxy.cli.Daemon;
import io.respproxy.proxy.cli.Main;
import io.respproxy.proxy.config.ProxyConfigLoader;
import io.respproxy.proxy.server.ProxyDataPlane;
import io.respproxy.testkit.PortAllocator;
import io.respproxy.testkit.RedisNode;
import io.respproxy.testkit.SentinelDeployment;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code respproxy switchover NAME} against a running daemon (its admin port) in front of a
 * Sentinel deployment under continuous appends: writes are held until every replica has the
 * master's offset, Sentinel fails over, and the held writes go to the verified new master. Zero
 * errors, zero lost appends, the held time reported.
 */
class SentinelSwitchoverIT {

    @TempDir
    Path dir;

    @Test
    void switchoverLosesNothingAndReportsTheHeldTime() throws Exception {
        try (SentinelDeployment s = SentinelFailoverIT.sentinel()) {
            PortAllocator ports = PortAllocator.shared();
            int write = ports.allocate();
            int read = ports.allocate();
            int admin = ports.allocate();
            String sentinels = s.sentinels().stream().map(n -> "\"127.0.0.1:" + n.port() + "\"")
                    .collect(Collectors.joining(", "));
            Path conf = dir.resolve("respproxy.conf");
            Files.writeString(conf, "respproxy {\n"
                    + "  admin.listen = \"127.0.0.1:" + admin + "\"\n"
                    + "  event-loops = 2\n"
                    + "  services.s1 {\n"
                    + "    mode = sentinel\n"
                    + "    sentinel { master-name = " + s.masterName() + ", nodes = [" + sentinels + "] }\n"
                    + "    listen { read = \"127.0.0.1:" + read + "\", write = \"127.0.0.1:" + write + "\" }\n"
                    + "    backend.password = \"" + ProxyFixture.BACKEND_PASSWORD + "\"\n"
                    + "  }\n"
                    + "}\n");
            Daemon daemon = new Daemon(ProxyConfigLoader.load(conf), ProxyDataPlane.FACTORY);
            daemon.start();
            HttpClient http = HttpClient.newHttpClient();
            URI base = URI.create("http://127.0.0.1:" + admin);
            try (ReadLoad reads = new ReadLoad(read, "so:0")) {
                ProxyFixture.await(Duration.ofSeconds(15), "the daemon to be ready", () -> status(http,
                        base.resolve("/readyz"), "GET") == 200);
                AppendWorkload w = new AppendWorkload(write, SentinelFailoverIT.CLIENTS, SentinelFailoverIT.PIPELINED,
                        "so:");
                w.start();
                Thread.sleep(1000);
                RedisNode old = s.master();

                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                int status = new Main(Main.commands()).run(List.of("switchover", "s1", "-c", conf.toString()),
                        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
                String said = out.toString(StandardCharsets.UTF_8);
                assertEquals(0, status, "switchover failed: " + err.toString(StandardCharsets.UTF_8));
                Matcher m = Pattern.compile("\"from\":\"127.0.0.1:(\\d+)\",\"to\":\"127.0.0.1:(\\d+)\",\"held_ms\":(\\d+)")
                        .matcher(said);
                assertTrue(m.find(), said);
                assertEquals(old.port(), Integer.parseInt(m.group(1)));
                RedisNode now = s.master();
                assertEquals(now.port(), Integer.parseInt(m.group(2)), "the proxy reports the Sentinels' new master");
                assertTrue(now != old);
                s.awaitReplicasInSync(Duration.ofSeconds(30));
                Thread.sleep(500);
                AppendWorkload.Result r = w.stopAndVerify(s.master());
                System.out.println("SentinelSwitchoverIT respproxy switchover: " + said.strip() + "; " + r + "; " + reads);
                assertEquals(0, r.errors(), "client errors: " + r.errorSamples());
                assertEquals(0, r.lost(), "acknowledged appends lost");
                assertEquals(0, r.duplicates());
                assertEquals(0, reads.errors(), "read errors: " + reads.errorSamples());
                assertTrue(r.longestStallMs() >= Long.parseLong(m.group(3)) - 100, "the held time is what clients saw");

                assertEquals(404, status(http, base.resolve("/services/nope/switchover"), "POST"));
            } finally {
                daemon.stop();
            }
        }
    }

    private static int status(HttpClient http, URI uri, String method) {
        try {
            return http.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}
