package io.respproxy.proxy.cli;

import java.io.PrintStream;
import java.util.List;

/** {@code respproxy version}. */
final class VersionCommand implements Command {

    /** The Implementation-Version of the jar's manifest, or "dev" when run from classes. */
    static String version() {
        return io.respproxy.proxy.ProxyVersion.get();
    }

    @Override
    public String summary() {
        return "          print the version";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        out.println("respproxy " + version());
        return 0;
    }
}
