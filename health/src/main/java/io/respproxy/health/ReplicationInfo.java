package io.respproxy.health;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a node said in {@code INFO replication}: its role, and for a replica the state of its link
 * to the master; for a master the replicas it sees with their offsets and ack lag.
 */
public record ReplicationInfo(Role role, String masterHost, int masterPort, boolean masterLinkUp,
                              boolean syncInProgress, long offset, List<ConnectedReplica> replicas) {

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
                case "master_sync_in_progress" -> syncing = "1".equals(value);
                case "master_repl_offset" -> masterOffset = parseLong(value, -1);
                case "slave_repl_offset" -> replicaOffset = parseLong(value, -1);
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
        return new ReplicationInfo(role, masterHost, masterPort, linkUp, syncing, offset, replicas);
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
