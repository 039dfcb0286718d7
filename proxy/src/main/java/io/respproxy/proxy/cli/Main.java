package io.respproxy.proxy.cli;

import io.respproxy.proxy.server.ProxyDataPlane;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code respproxy <command> [options]}: a map from command name to {@link Command}, no framework.
 * To add a command, add it to {@link #commands()}.
 */
public final class Main {
    /** Exit status for a bad command line, as in sysexits' spirit and most Unix tools. */
    static final int USAGE = 2;

    static {
        // Production defaults, set before any Netty class loads; -D on the command line wins.
        // Every getByte on a buffer otherwise checks its reference count and bounds, and the
        // sampling leak detector wraps buffers: together a fifth of the proxy's CPU per command.
        // The test suite runs with all checks on and PARANOID leak detection instead.
        defaultProperty("io.netty.buffer.checkAccessible", "false");
        defaultProperty("io.netty.buffer.checkBounds", "false");
        defaultProperty("io.netty.leakDetection.level", "disabled");
        // Netty's object pool (slices, outbound entries) costs more than it saves here: each
        // command takes and returns several objects through its queues, where allocating them
        // anew is a pointer bump and a young collection. Measured: proxy CPU per command -15% to
        // -25% with 1,000 clients (bench/run.sh C4), a little less at 50 (README, benchmarks).
        defaultProperty("io.netty.recycler.maxCapacityPerThread", "0");
        // Netty names every channel with a machine id taken from a MAC address; where it finds
        // none (a container or network namespace with only a loopback) it warns at every start
        // and uses random bytes. The ids only tell channels apart in Netty's own logs: random
        // bytes are as good, without the network interface walk and the warning.
        defaultProperty("io.netty.machineId", randomMachineId());
        // systemd connects stdout to the journal (and says so in JOURNAL_STREAM): the journal
        // stamps every line with the time and the unit, so the lines carry neither (logback.xml).
        if (System.getenv("JOURNAL_STREAM") != null) {
            defaultProperty("respproxy.log.pattern", "%-5level %logger{20} - %msg%n");
        }
    }

    /** Eight random bytes as Netty's {@code io.netty.machineId} takes them: "xx:xx:...:xx". */
    private static String randomMachineId() {
        byte[] id = new byte[8];
        ThreadLocalRandom.current().nextBytes(id);
        StringJoiner hex = new StringJoiner(":");
        for (byte b : id) {
            hex.add(String.format("%02x", b & 0xff));
        }
        return hex.toString();
    }

    private static void defaultProperty(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private final Map<String, Command> commands;

    /** A CLI with the given commands (in usage order). */
    public Main(Map<String, Command> commands) {
        this.commands = Collections.unmodifiableMap(new LinkedHashMap<>(commands));
    }

    /** The standard commands. */
    public static Map<String, Command> commands() {
        Map<String, Command> commands = new LinkedHashMap<>();
        commands.put("run", new RunCommand(ProxyDataPlane.FACTORY));
        commands.put("check", new CheckCommand());
        commands.put("version", new VersionCommand());
        commands.put("demo", new DemoCommand());
        commands.put("switchover", new SwitchoverCommand());
        return commands;
    }

    public static void main(String[] args) {
        int status;
        try {
            status = new Main(commands()).run(Arrays.asList(args), System.out, System.err);
        } catch (Exception e) {
            System.err.println("respproxy: " + e);
            status = 1;
        }
        System.out.flush();
        System.exit(status);
    }

    /** Dispatches {@code args} to a command and returns its exit status. */
    public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        Command command = args.isEmpty() ? null : commands.get(args.get(0));
        if (command == null) {
            if (!args.isEmpty() && !isHelp(args.get(0))) {
                err.println("respproxy: unknown command '" + args.get(0) + "'");
            }
            usage(err);
            return USAGE;
        }
        return command.run(args.subList(1, args.size()), out, err);
    }

    private static boolean isHelp(String arg) {
        return arg.equals("--help") || arg.equals("-h") || arg.equals("help");
    }

    private void usage(PrintStream err) {
        err.println("usage: respproxy <command> [options]");
        err.println();
        err.println("commands:");
        commands.forEach((name, c) -> err.printf("  %-10s %s%n", name, c.summary()));
    }
}
