package io.respproxy.health;

/**
 * HAProxy's rise/fall hysteresis for one node: a node goes down after {@code fall} consecutive
 * failed checks and comes back after {@code rise} consecutive good ones. Not thread-safe: owned
 * by the prober's thread.
 */
public final class RiseFall {

    private final int rise;
    private final int fall;
    private boolean up;
    private boolean checked;
    private int streak;

    /**
     * A new node is down until its first check, which decides at once: waiting {@code rise}
     * intervals before serving anything at start-up would only delay the proxy.
     */
    public RiseFall(int rise, int fall) {
        this.rise = rise;
        this.fall = fall;
    }

    /** Records one check; returns true when the up/down state changed. */
    public boolean record(boolean ok) {
        boolean before = up;
        if (!checked) {
            checked = true;
            up = ok;
            streak = 0;
            return up != before;
        }
        if (ok == up) {
            streak = 0;
        } else if (++streak >= (up ? fall : rise)) {
            up = ok;
            streak = 0;
        }
        return up != before;
    }

    /** A failure the data path saw (connection refused or reset): down at once, no waiting for fall. */
    public boolean markDown() {
        boolean changed = up;
        checked = true;
        up = false;
        streak = 0;
        return changed;
    }

    public boolean isUp() {
        return up;
    }
}
