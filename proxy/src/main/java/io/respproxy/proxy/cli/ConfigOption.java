package io.respproxy.proxy.cli;

import io.respproxy.proxy.config.ProxyConfigLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Parses the {@code -c FILE} / {@code --config FILE} option shared by run and check. */
final class ConfigOption {
    private ConfigOption() {}

    /** The config file, {@link ProxyConfigLoader#DEFAULT_FILE} when absent; empty on a usage error. */
    static Optional<Path> parse(List<String> args, java.io.PrintStream err) {
        Path file = ProxyConfigLoader.DEFAULT_FILE;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("-c") || a.equals("--config")) && i + 1 < args.size()) {
                file = Path.of(args.get(++i));
            } else if (a.startsWith("--config=")) {
                file = Path.of(a.substring("--config=".length()));
            } else {
                err.println("respproxy: unexpected argument '" + a + "' (expected -c FILE)");
                return Optional.empty();
            }
        }
        return Optional.of(file);
    }
}
