package io.respproxy.health;

import io.respproxy.routing.NodeAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * What a node said in {@code INFO replication}: its role, and for a replica the state of its link
 * to the master; for a master the replicas it sees with their offsets and ack lag; for both, the
 * replication history ids.
 *
 * @param replid  {@code master_replid}: the id of the history this node serves now (a replica
 *                shows its master's)
 * @param replid2 {@code master_replid2}: the history this node continued when it was promoted
 *                (or re-pointed), or null when it has none (all zeros)
 * @param linkDownSeconds a replica's {@code master_link_down_since_seconds}: how long its link to
 *                the master has been down, or -1 (up, never connected, or not a replica)
 * @param secondOffset {@code second_repl_offset}: the first offset this node did not take from
 *                the {@code replid2} history (where it was when promoted), or -1 when it has none
 */
public record ReplicationInfo(Role role, String masterHost, int masterPort, boolean masterLinkUp,
                              boolean syncInProgress, long offset, List<ConnectedReplica> replicas,
                              String replid, String replid2, long linkDownSeconds, long secondOffset) {

    /** Facts without a link-down time or a previous history (a master, or a replica whose link is up). */
    public ReplicationInfo(Role role, String masterHost, int masterPort, boolean masterLinkUp,
                           boolean syncInProgress, long offset, List<ConnectedReplica> replicas,
                           String replid, String replid2) {
        this(role, masterHost, masterPort, masterLinkUp, syncInProgress, offset, replicas, replid, replid2, -1, -1);
    }

    /** Redis shows "no previous history" as forty zeros. */
    private static final String NO_REPLID = "0000000000000000000000000000000000000000";

    /** The role line of INFO replication. */
    public enum Role { MASTER, REPLICA, UNKNOWN }

    /**
     * One {@code slaveN:ip=..,port=..,state=..,offset=..,lag=..} line of a master.
     *
     * @param lagSeconds seconds since the replica's last REPLCONF ACK (sent every second)
     */
    public record ConnectedReplica(String ip, int port, String state, long offset, long lagSeconds) {
        public boolean online() {
            return "online".equals(state);
        }
    }

    public ReplicationInfo {
        replicas = List.copyOf(replicas);
    }

    /** Parses the text of an INFO reply (any sections; lines it does not know are ignored). */
    public static ReplicationInfo parse(String info) {
        Role role = Role.UNKNOWN;
        String masterHost = null;
        int masterPort = 0;
        boolean linkUp = false;
        boolean syncing = false;
        long masterOffset = -1;
        long replicaOffset = -1;
        List<ConnectedReplica> replicas = new ArrayList<>();
        String replid = null;
        String replid2 = null;
        long linkDown = -1;
        long secondOffset = -1;
        for (String raw : info.split("\n")) {
            String line = raw.strip();
            int colon = line.indexOf(':');
            if (colon <= 0 || line.startsWith("#")) {
                continue;
            }
            String key = line.substring(0, colon);
            String value = line.substring(colon + 1);
            switch (key) {
                case "role" -> role = switch (value.toLowerCase(Locale.ROOT)) {
                    case "master" -> Role.MASTER;
                    case "slave", "replica" -> Role.REPLICA;
                    default -> Role.UNKNOWN;
                };
                case "master_host" -> masterHost = value;
                case "master_port" -> masterPort = (int) parseLong(value, 0);
                case "master_link_status" -> linkUp = "up".equals(value);
                case "master_link_down_since_seconds" -> linkDown = parseLong(value, -1);
                case "master_sync_in_progress" -> syncing = "1".equals(value);
                case "master_repl_offset" -> masterOffset = parseLong(value, -1);
                case "slave_repl_offset" -> replicaOffset = parseLong(value, -1);
                case "master_replid" -> replid = replidOrNull(value);
                case "master_replid2" -> replid2 = replidOrNull(value);
                case "second_repl_offset" -> secondOffset = parseLong(value, -1);
                default -> {
                    if (key.startsWith("slave") && isDigits(key, 5)) {
                        ConnectedReplica r = parseReplica(value);
                        if (r != null) {
                            replicas.add(r);
                        }
                    }
                }
            }
        }
        long offset = role == Role.REPLICA && replicaOffset >= 0 ? replicaOffset : masterOffset;
        return new ReplicationInfo(role, masterHost, masterPort, linkUp, syncing, offset, replicas, replid, replid2,
                linkUp ? -1 : linkDown, replid2 == null ? -1 : secondOffset);
    }

    /**
     * True when this node's history continues {@code other}'s: it was promoted (REPLICAOF NO ONE)
     * while replicating {@code other}, which has served the same history since. Redis keeps the old
     * id as {@code master_replid2} exactly so that the other replicas can continue with a partial
     * sync; here it orders two servers that both claim role:master.
     */
    public boolean continues(ReplicationInfo other) {
        return continuesHistory(other == null ? null : other.replid);
    }

    /**
     * How much of history {@code oldReplid} this node holds: the offset it had taken from it when it
     * was promoted (or re-pointed); -1 when its previous history is another (or none).
     */
    public long heldOf(String oldReplid) {
        return continuesHistory(oldReplid) && secondOffset > 0 ? secondOffset - 1 : -1;
    }

    private boolean continuesHistory(String oldReplid) {
        return replid2 != null && oldReplid != null && replid2.equals(oldReplid) && !replid2.equals(replid);
    }

    /** The same facts with the replica and master addresses passed through {@code map} (NAT). */
    public ReplicationInfo withAddresses(UnaryOperator<NodeAddress> map) {
        String host = masterHost;
        int port = masterPort;
        if (masterHost != null && masterPort > 0) {
            NodeAddress m = map.apply(new NodeAddress(masterHost, masterPort));
            host = m.host();
            port = m.port();
        }
        List<ConnectedReplica> mapped = new ArrayList<>(replicas.size());
        for (ConnectedReplica r : replicas) {
            NodeAddress a = map.apply(new NodeAddress(r.ip(), r.port()));
            mapped.add(new ConnectedReplica(a.host(), a.port(), r.state(), r.offset(), r.lagSeconds()));
        }
        return new ReplicationInfo(role, host, port, masterLinkUp, syncInProgress, offset, mapped, replid, replid2,
                linkDownSeconds, secondOffset);
    }

    private static String replidOrNull(String value) {
        return value.isEmpty() || NO_REPLID.equals(value) ? null : value;
    }

    /** The entry this master has for the replica at {@code host:port}, or null. */
    public ConnectedReplica replica(String host, int port) {
        for (ConnectedReplica r : replicas) {
            if (r.port() == port && r.ip().equalsIgnoreCase(host)) {
                return r;
            }
        }
        return null;
    }

    private static ConnectedReplica parseReplica(String value) {
        String ip = null;
        String state = "";
        int port = 0;
        long offset = -1;
        long lag = -1;
        for (String field : value.split(",")) {
            int eq = field.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String k = field.substring(0, eq);
            String v = field.substring(eq + 1);
            switch (k) {
                case "ip" -> ip = v;
                case "port" -> port = (int) parseLong(v, 0);
                case "state" -> state = v;
                case "offset" -> offset = parseLong(v, -1);
                case "lag" -> lag = parseLong(v, -1);
                default -> { }
            }
        }
        return ip == null || port == 0 ? null : new ConnectedReplica(ip, port, state, offset, lag);
    }

    private static boolean isDigits(String s, int from) {
        if (s.length() <= from) {
            return false;
        }
        for (int i = from; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static long parseLong(String s, long fallback) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
