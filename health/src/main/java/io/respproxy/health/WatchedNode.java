package io.respproxy.health;

import io.respproxy.routing.NodeAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node a {@link NodeHealthMonitor} watches: its rise/fall and role, the passive marks and role
 * doubts that put it in question, and the verify probes and role checks that settle them, each
 * answer applied only if nothing newer was. Owned by the monitor's thread, like everything it
 * touches; the monitor owns the node set, the sequence that orders the answers and the listener.
 */
final class WatchedNode {

    // The monitor's logger: these lines read as the monitor's, as they did before this class was split off.
    private static final Logger log = LoggerFactory.getLogger(NodeHealthMonitor.class);

    private final NodeAddress node;
    private final NodeHealthMonitor monitor;
    private final RiseFall riseFall;
    private NodeState state;
    private long appliedSequence;
    /** The role check in flight (its sequence), or 0. */
    private long roleCheckInFlight;
    /** Only a role check sent after this answers the doubt. */
    private long doubtSequence;
    /** The last passive mark: a probe sent before it cannot withdraw it. */
    private long markSequence;
    /** The node closed our connections: role checks failing after this mark it down; or 0. */
    private long closedSequence;
    private int closeFailures;
    private boolean verifying;

    WatchedNode(NodeAddress node, NodeHealthMonitor monitor) {
        this.node = node;
        this.monitor = monitor;
        riseFall = new RiseFall(monitor.settings.rise(), monitor.settings.fall());
        state = new NodeState(node, false, null, NodeState.NOT_PROBED);
    }

    NodeAddress address() {
        return node;
    }

    NodeState state() {
        return state;
    }

    /** The data path saw the node fail: down at once, then verified by a probe. */
    void mark(String why) {
        boolean wasUp = state.up();
        markSequence = monitor.nextSequence();
        if (riseFall.markDown()) {
            // A node that dropped our connections may be being promoted (Sentinel kills the
            // clients of the node it reconfigures): writes wait for the verify probe, as for
            // a closed health connection.
            state = new NodeState(node, false, state.replication(), why, wasUp || state.roleInDoubt());
            if (wasUp) {
                doubt();
            }
            monitor.changed(); // before the log line: writes must stop at once, logging can wait
            log.warn("[{}] {} marked down: {}; probing it now", monitor.service, node, why);
        }
        verify();
    }

    /**
     * Checks an up node's role at once, its role in doubt meanwhile (writes wait). A master that
     * closes our connections is only checked: if it was demoted, the writes it gets answer
     * -READONLY and are sent again (they were not applied), while a replica being promoted is
     * exactly when the old master's writes would be lost.
     */
    void recheck(String why, boolean evenIfMaster) {
        if (state.up()) {
            ReplicationInfo r = state.replication();
            closedSequence = monitor.nextSequence();
            closeFailures = 0;
            if (evenIfMaster || r == null || r.role() != ReplicationInfo.Role.MASTER) {
                state = state.withRoleInDoubt(true);
                doubt();
                monitor.changed(); // before the log line: writes must stop at once, logging can wait
            }
            log.info("[{}] {} {}; checking its role now", monitor.service, node, why);
            // Whatever check was in flight may have gone out on a closed connection: send a new one.
            roleCheckInFlight = 0;
            checkRole();
            monitor.checkRoles();
        }
    }

    /**
     * Starts a doubt about the node's role: only an answer to a check sent after now ends it, and
     * it ends anyway after the role-check timeout (a node that answers nothing is the full probes'
     * business; writes must not wait on it longer).
     */
    private void doubt() {
        long epoch = monitor.nextSequence();
        doubtSequence = epoch;
        monitor.scheduler.schedule(() -> {
            if (doubtSequence == epoch && state.roleInDoubt()) {
                state = state.withRoleInDoubt(false);
                monitor.changed();
            }
        }, monitor.roleCheckTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void verify() {
        if (!verifying) {
            verifying = true;
            verify(1);
        }
    }

    /**
     * The kill that cut the data path's connection may have cut the probe connection too, before
     * its close was seen: a first failure is tried again on a fresh connection before it counts.
     */
    private void verify(int attempt) {
        long seq = monitor.nextSequence();
        monitor.prober.probe(node).whenCompleteAsync((result, e) -> {
            if (!monitor.watches(this)) {
                return;
            }
            if (!result.ok() && attempt == 1) {
                verify(2);
                return;
            }
            verifying = false;
            applyProbe(seq, result);
            if (state.roleInDoubt() && seq > doubtSequence) {
                state = state.withRoleInDoubt(false);
            }
            monitor.changed();
        }, monitor.scheduler);
    }

    /** Asks the node's role (INFO replication), unless a check is in flight already. */
    void checkRole() {
        if (roleCheckInFlight != 0) {
            return;
        }
        long seq = monitor.nextSequence();
        roleCheckInFlight = seq;
        monitor.prober.roleCheck(node).whenCompleteAsync((result, ex) -> {
            if (roleCheckInFlight == seq) {
                roleCheckInFlight = 0;
            }
            if (!monitor.watches(this)) {
                return;
            }
            // Answered or not, the doubt ends. A node that closed our connections and then does not
            // answer is suspect at once (it refused the new connection, or is stalled); otherwise a
            // failed role check alone proves little: the full probes judge with rise/fall.
            boolean doubtCleared = state.roleInDoubt() && seq > doubtSequence;
            boolean afterClose = closedSequence != 0 && seq > closedSequence;
            if (doubtCleared) {
                state = state.withRoleInDoubt(false);
            }
            if (afterClose && !result.ok() && state.up()) {
                // The first check may have gone out on a connection the same kill closed: one more,
                // on a fresh connection, before it counts.
                if (++closeFailures < 2) {
                    closedSequence = monitor.nextSequence();
                    if (doubtCleared) {
                        state = state.withRoleInDoubt(true);
                        doubt();
                    }
                    checkRole();
                    return;
                }
                closedSequence = 0;
                closeFailures = 0;
                mark("closed its connections, then failed two role checks: " + result.failure());
                return;
            }
            if (afterClose) {
                closedSequence = 0;
                closeFailures = 0;
            }
            boolean applied = result.ok() && result.replication() != null
                    && applyReplication(seq, result.replication());
            if (applied || doubtCleared) {
                monitor.changed();
            }
        }, monitor.scheduler);
    }

    /** A full probe sent at {@code seq} answered: rise/fall, and its facts unless newer ones were applied. */
    void applyProbe(long seq, ProbeResult result) {
        boolean wasUp = state.up();
        // A probe sent before the data path's mark answered for a node that may have died since:
        // it must not withdraw the mark (nor count towards rise).
        boolean current = seq > markSequence;
        if (current && riseFall.record(result.ok())) {
            if (riseFall.isUp()) {
                log.info("[{}] {} is up", monitor.service, node);
            } else if (wasUp) {
                log.warn("[{}] {} is down: {}", monitor.service, node, result.failure());
            }
        }
        if (result.ok() && result.replication() != null) { // a busy node's earlier facts still hold
            applyReplication(seq, result.replication());
            monitor.versionAnswered(result);
        }
        String failure = !current ? state.lastFailure() : result.ok() ? null : result.failure();
        state = new NodeState(node, riseFall.isUp(), state.replication(), failure, state.roleInDoubt());
    }

    /** Keeps {@code info} unless newer facts were applied already; true when it was kept. */
    private boolean applyReplication(long seq, ReplicationInfo info) {
        if (seq < appliedSequence) {
            return false;
        }
        appliedSequence = seq;
        ReplicationInfo mapped = monitor.announced.map(node, info);
        ReplicationInfo before = state.replication();
        if (before != null && before.role() != mapped.role()) {
            log.info("[{}] {} now says role:{} (was {}){}", monitor.service, node, mapped.role(), before.role(),
                    mapped.role() == ReplicationInfo.Role.MASTER && mapped.replid2() != null
                            && mapped.replid2().equals(before.replid()) ? ", promoted from its master's history" : "");
        }
        state = new NodeState(node, state.up(), mapped, state.lastFailure(), state.roleInDoubt());
        return true;
    }
}
