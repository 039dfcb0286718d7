package io.respproxy.proxy.cli;

import io.respproxy.proxy.config.ConfigException;
import io.respproxy.proxy.config.HostPort;
import io.respproxy.proxy.config.ProxyConfig;
import io.respproxy.proxy.config.ProxyConfigLoader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code respproxy switchover NAME [-c FILE] [--timeout SECONDS]}: asks the running daemon (its
 * admin port, from the config file's {@code admin.listen}) to move service NAME's master role to a
 * replica without losing a write, and prints what happened.
 */
final class SwitchoverCommand implements Command {

    @Override
    public String summary() {
        return "NAME [-c FILE] [--timeout SECONDS]   move a sentinel service's master to a replica, losing nothing";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        if (args.isEmpty() || args.get(0).startsWith("-")) {
            err.println("respproxy switchover: which service? (respproxy switchover NAME [-c FILE] [--timeout SECONDS])");
            return Main.USAGE;
        }
        String service = args.get(0);
        long timeout = 30;
        List<String> rest = new java.util.ArrayList<>(args.subList(1, args.size()));
        int t = rest.indexOf("--timeout");
        if (t >= 0) {
            if (t + 1 >= rest.size()) {
                err.println("respproxy switchover: --timeout needs a number of seconds");
                return Main.USAGE;
            }
            try {
                timeout = Long.parseLong(rest.get(t + 1));
            } catch (NumberFormatException e) {
                err.println("respproxy switchover: --timeout needs a number of seconds");
                return Main.USAGE;
            }
            rest.subList(t, t + 2).clear();
        }
        Optional<Path> file = ConfigOption.parse(rest, err);
        if (file.isEmpty()) {
            return Main.USAGE;
        }
        Optional<HostPort> admin = Optional.of(new HostPort("127.0.0.1", 9121));
        if (Files.exists(file.get())) {
            try {
                ProxyConfig config = ProxyConfigLoader.load(file.get());
                admin = config.adminListen();
            } catch (ConfigException e) {
                err.println("respproxy switchover: " + file.get() + " is not valid (respproxy check -c " + file.get() + ")");
                return 1;
            }
        }
        if (admin.isEmpty()) {
            err.println("respproxy switchover: admin.listen is off in " + file.get() + "; the switchover is asked there");
            return 1;
        }
        String host = admin.get().host();
        if (host.equals("0.0.0.0") || host.equals("::")) {
            host = "127.0.0.1";
        }
        URI uri = URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + admin.get().port()
                + "/services/" + service + "/switchover?timeout=" + timeout);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(timeout + 10))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            err.println("respproxy switchover: cannot reach the daemon's admin port " + uri.getAuthority() + ": " + e);
            return 1;
        }
        if (response.statusCode() == 200) {
            out.print(response.body());
            return 0;
        }
        err.print("respproxy switchover: " + response.statusCode() + " " + response.body());
        return 1;
    }
}
