package io.respproxy.proxy.session;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.respproxy.routing.command.CommandSpec;
import io.respproxy.routing.command.CommandTable;
import io.respproxy.routing.command.RoutingShape;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The proxy implements every command its router answers locally: none falls through to "unknown command". */
class LocalCommandsTest {

    /** The shapes the router routes to {@link LocalCommands}. */
    static final Set<RoutingShape> LOCAL = EnumSet.of(RoutingShape.LOCAL, RoutingShape.UNWATCH, RoutingShape.UNSUBSCRIBE);

    @Test
    void everyLocallyAnsweredCommandOfTheTableIsImplemented() {
        List<String> missing = new ArrayList<>();
        int local = 0;
        for (CommandSpec spec : CommandTable.builtin().commands()) {
            List<CommandSpec> all = new ArrayList<>(spec.subcommands());
            all.add(spec);
            for (CommandSpec s : all) {
                if (LOCAL.contains(s.shape())) {
                    local++;
                    if (!LocalCommands.handles(s)) {
                        missing.add(s.name());
                    }
                }
            }
        }
        assertTrue(local > 20, "the table has local commands: " + local);
        assertTrue(missing.isEmpty(), "answered locally but not implemented: " + missing);
    }
}
