package io.respproxy.health;

/**
 * One probe of one node: it answered PING (and was not loading its dataset), and what it said in
 * INFO (replication state, Redis version); or why it failed.
 */
public record ProbeResult(boolean ok, ReplicationInfo replication, String redisVersion, String failure) {

    public static ProbeResult ok(ReplicationInfo replication, String redisVersion) {
        return new ProbeResult(true, replication, redisVersion, null);
    }

    /**
     * The node answered -BUSY: it is alive, running a script or function (SCRIPT KILL can reach
     * it), so it stays up; what it said before about its role still holds (replication null).
     */
    public static ProbeResult busy(String why) {
        return new ProbeResult(true, null, null, why);
    }

    public static ProbeResult failed(String why) {
        return new ProbeResult(false, null, null, why);
    }

    /** The {@code redis_version} field of an INFO reply, or null. */
    static String redisVersion(String info) {
        int i = info.indexOf("redis_version:");
        if (i < 0) {
            return null;
        }
        int end = info.indexOf('\r', i);
        return info.substring(i + "redis_version:".length(), end < 0 ? info.length() : end).strip();
    }
}
