package io.respproxy.proxy.cli;

import java.io.PrintStream;
import java.util.List;

/** A {@code respproxy <name>} subcommand. */
public interface Command {

    /** One line for the usage text. */
    String summary();

    /**
     * Runs the command.
     *
     * @param args the arguments after the command name
     * @return the process exit status: 0 success, 1 failure, 2 usage error
     */
    int run(List<String> args, PrintStream out, PrintStream err) throws Exception;
}
