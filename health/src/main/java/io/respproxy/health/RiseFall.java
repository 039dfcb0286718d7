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
    /** A passive mark waits for the next check to confirm or withdraw it. */
    private boolean markPending;
    private boolean upBeforeMark;

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
        if (markPending) {
            markPending = false;
            if (ok && upBeforeMark) {
                // The node answers: what the data path saw was a dropped connection (a server
                // that killed its clients while being reconfigured), not a node failure.
                up = true;
                streak = 0;
                return !before;
            }
        }
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

    /**
     * A failure the data path saw (connection refused or reset, command timeout): down at once, no
     * waiting for fall. The next check decides: if it succeeds and the node was up before the
     * mark, it is up again at once (a reconnect, not a failure); otherwise it needs {@code rise}.
     */
    public boolean markDown() {
        boolean changed = up;
        if (!markPending) {
            upBeforeMark = up;
            markPending = true;
        }
        checked = true;
        up = false;
        streak = 0;
        return changed;
    }

    public boolean isUp() {
        return up;
    }
}
