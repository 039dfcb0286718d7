package io.respproxy.proxy.service;

/**
 * One client of the proxy as CLIENT LIST and CLIENT INFO show it, with Redis's fields in Redis's
 * order; a snapshot taken on the client's own event loop, read anywhere (CLIENT KILL's filters).
 * The proxy keeps no reply buffer of Redis's kind: {@code rbs}, {@code rbp}, {@code obl} and
 * {@code multi-mem} are 0, and {@code oll}/{@code omem} count the replies not yet written.
 *
 * @param fd       the client socket's descriptor, -1 where the transport does not expose it
 * @param flags    Redis's letters: P subscribed, x in MULTI, b blocked, t tracking, e no-evict, T no-touch; N none
 * @param multi    commands queued in MULTI, -1 outside one
 * @param qbuf     bytes of the client's commands the proxy holds (read, not yet run)
 * @param argvMem  bytes of the command running now (the asking client's own), else 0
 * @param oll      replies queued for the client and not yet written
 * @param omem     bytes of replies not yet written to the client
 * @param events   r while the proxy reads the client, w while output waits for it
 * @param cmd      the last command, {@code container|sub} for a subcommand
 * @param user     the user it authenticated as ({@code default} when the service has no users)
 * @param redir    the client its tracking invalidations go to, 0 without redirection, -1 when not tracking
 * @param listener the proxy's listener it connected to (not a Redis field; last, so parsers keep working)
 */
public record ClientInfo(long id, String addr, String laddr, int fd, String name, long age, long idle, String flags,
                         int db, int sub, int psub, int ssub, int multi, long qbuf, long argvMem, long oll, long omem,
                         String events, String cmd, String user, long redir, int resp, String libName,
                         String libVer, String listener) {

    /** TYPE as CLIENT LIST / CLIENT KILL filter it: the proxy's clients are normal or pubsub. */
    public String type() {
        return flags.indexOf('P') >= 0 ? "pubsub" : "normal";
    }

    /** The CLIENT LIST line (without its newline). */
    public String line() {
        return "id=" + id
                + " addr=" + addr
                + " laddr=" + laddr
                + " fd=" + fd
                + " name=" + orEmpty(name)
                + " age=" + age
                + " idle=" + idle
                + " flags=" + flags
                + " db=" + db
                + " sub=" + sub
                + " psub=" + psub
                + " ssub=" + ssub
                + " multi=" + multi
                + " qbuf=" + qbuf
                + " qbuf-free=0"
                + " argv-mem=" + argvMem
                + " multi-mem=0"
                + " rbs=0"
                + " rbp=0"
                + " obl=0"
                + " oll=" + oll
                + " omem=" + omem
                + " tot-mem=" + (qbuf + argvMem + omem)
                + " events=" + events
                + " cmd=" + cmd
                + " user=" + user
                + " redir=" + redir
                + " resp=" + resp
                + " lib-name=" + orEmpty(libName)
                + " lib-ver=" + orEmpty(libVer)
                + " listener=" + listener;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
