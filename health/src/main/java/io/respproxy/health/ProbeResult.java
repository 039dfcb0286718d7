package io.respproxy.health;

/**
 * One probe of one node: it answered PING (and was not loading its dataset), and what it said in
 * INFO replication; or why it failed.
 */
public record ProbeResult(boolean ok, ReplicationInfo replication, String failure) {

    public static ProbeResult ok(ReplicationInfo replication) {
        return new ProbeResult(true, replication, null);
    }

    public static ProbeResult failed(String why) {
        return new ProbeResult(false, null, why);
    }
}
