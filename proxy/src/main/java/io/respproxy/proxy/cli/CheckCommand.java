package io.respproxy.proxy.cli;

import io.respproxy.proxy.config.ConfigException;
import io.respproxy.proxy.config.ConfigProblem;
import io.respproxy.proxy.config.ProxyConfigLoader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** {@code respproxy check -c FILE}: validates a file like {@code nginx -t}. */
final class CheckCommand implements Command {

    @Override
    public String summary() {
        return "-c FILE   validate a configuration file and print every problem";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        Optional<Path> file = ConfigOption.parse(args, err);
        if (file.isEmpty()) {
            return Main.USAGE;
        }
        try {
            ProxyConfigLoader.load(file.get());
        } catch (ConfigException e) {
            for (ConfigProblem p : e.problems()) {
                err.println(p);
            }
            err.println("configuration file " + file.get() + " test failed ("
                    + e.problems().size() + (e.problems().size() == 1 ? " problem)" : " problems)"));
            return 1;
        }
        out.println("configuration file " + file.get() + " test is successful");
        return 0;
    }
}
