package io.respproxy.routing.command;

import io.respproxy.routing.CommandArgs;
import java.util.List;

/**
 * Everything the proxy knows about one command or subcommand ({@code get}, {@code config|get}):
 * Redis's facts (arity, flags, ACL categories, tips, key specs) and the facts derived from them
 * (read/write, blocking, routing shape, key positions). Immutable; one instance per table entry.
 *
 * <p>Read/write is asymmetric on purpose: only a command Redis flags {@code readonly} (and not
 * {@code write}) is a read. Anything else, including an unflagged command, a container whose
 * subcommand is unknown, and {@link #UNKNOWN}, is treated as a write and goes to the master.
 */
public final class CommandSpec {

    /** Stand-in for a command the table does not know: not a read, keys undetermined, shape UNKNOWN. */
    public static final CommandSpec UNKNOWN = new CommandSpec();

    private final String name;
    private final int arity;
    private final long flags;
    private final List<String> aclCategories;
    private final List<String> tips;
    private final List<KeySpec> keySpecs;
    private final RequestPolicy requestPolicy;
    private final ResponsePolicy responsePolicy;
    private final RoutingShape shape;
    private final KeyFinder keyFinder;
    private final boolean blockOption;
    private final boolean replicationWait;
    private final boolean runsScript;
    private final NameIndex subcommands;
    private final CommandInfo info;

    private CommandSpec() {
        name = "";
        arity = -1;
        flags = 0;
        aclCategories = List.of();
        tips = List.of();
        keySpecs = List.of();
        requestPolicy = RequestPolicy.DEFAULT;
        responsePolicy = ResponsePolicy.DEFAULT;
        shape = RoutingShape.UNKNOWN;
        keyFinder = KeyFinder.UNDETERMINED;
        blockOption = false;
        replicationWait = false;
        runsScript = false;
        subcommands = null;
        info = null;
    }

    /**
     * @param info        the entry's Redis facts
     * @param fullName    {@code name} or {@code container|name}
     * @param subcommands the container's subcommands, or null
     */
    CommandSpec(CommandInfo info, String fullName, NameIndex subcommands) {
        this.info = info;
        this.name = fullName;
        this.arity = info.arity();
        long mask = 0;
        for (String f : info.flags()) {
            CommandFlag flag = CommandFlag.fromRedisName(f);
            if (flag != null) {
                mask |= flag.bit();
            }
        }
        this.flags = mask;
        this.aclCategories = info.aclCategories();
        this.tips = info.tips();
        this.keySpecs = info.effectiveKeySpecs();
        this.requestPolicy = RequestPolicy.fromTips(tips);
        this.responsePolicy = ResponsePolicy.fromTips(tips);
        this.keyFinder = keyFinderFor(fullName, mask, keySpecs);
        this.shape = ShapePolicy.shapeOf(fullName, mask, keySpecs, requestPolicy, keyFinder == KeyFinder.UNDETERMINED);
        this.blockOption = ShapePolicy.blocksOnlyWithOption(fullName);
        this.replicationWait = ShapePolicy.isReplicationWait(fullName);
        this.runsScript = ShapePolicy.runsScript(fullName);
        this.subcommands = subcommands;
    }

    private static KeyFinder keyFinderFor(String fullName, long flags, List<KeySpec> specs) {
        KeyFinder custom = ShapePolicy.customKeyFinder(fullName);
        if (custom != null) {
            return custom;
        }
        if (specs.isEmpty()) {
            // movable keys and nothing describing them (old module): we cannot know the keys
            return (flags & CommandFlag.MOVABLEKEYS.bit()) != 0 ? KeyFinder.UNDETERMINED : KeyFinder.NONE;
        }
        return new SpecKeyFinder(specs.toArray(new KeySpec[0]));
    }

    /** Lower-case name; a subcommand's is {@code container|sub} (Redis's notation), e.g. {@code config|get}. */
    public String name() {
        return name;
    }

    /** False only for {@link #UNKNOWN}. */
    public boolean isKnown() {
        return this != UNKNOWN;
    }

    /** Redis arity: N = exactly N arguments including the name (and subcommand), -N = at least N. */
    public int arity() {
        return arity;
    }

    /** True when a request of {@code argc} arguments has a count Redis accepts (else Redis replies wrong number of arguments). */
    public boolean acceptsArgCount(int argc) {
        return arity >= 0 ? argc == arity : argc >= -arity;
    }

    /** Command flags as a mask of {@link CommandFlag#bit()}. */
    public long flags() {
        return flags;
    }

    public boolean has(CommandFlag flag) {
        return (flags & flag.bit()) != 0;
    }

    /** May modify data, or is not known to be safe on a replica: everything that is not {@link #isReadOnly()}. */
    public boolean isWrite() {
        return !isReadOnly();
    }

    /** Flagged {@code readonly} and not {@code write} by Redis: may be served by a replica. */
    public boolean isReadOnly() {
        return has(CommandFlag.READONLY) && !has(CommandFlag.WRITE);
    }

    /**
     * Whether this request may block its connection: BLPOP, BZPOPMIN, BLMOVE... always; XREAD and
     * XREADGROUP only with a {@code BLOCK} option; WAIT/WAITAOF always (see {@link #isReplicationWait()}).
     * Never allocates.
     */
    public boolean isBlocking(CommandArgs args) {
        if (replicationWait) {
            return true;
        }
        if (!has(CommandFlag.BLOCKING)) {
            return false;
        }
        return !blockOption || hasBlockOption(args);
    }

    /** XREAD [COUNT n] [BLOCK ms] STREAMS ... / XREADGROUP GROUP g c [COUNT n] [BLOCK ms] [NOACK] STREAMS ... */
    private static boolean hasBlockOption(CommandArgs args) {
        int argc = args.size();
        for (int i = 1; i < argc; i++) {
            if (args.equalsIgnoreCase(i, "STREAMS")) {
                return false;
            } else if (args.equalsIgnoreCase(i, "BLOCK")) {
                return true;
            } else if (args.equalsIgnoreCase(i, "GROUP")) {
                i += 2;
            } else if (args.equalsIgnoreCase(i, "COUNT")) {
                i += 1;
            }
        }
        return false;
    }

    /**
     * WAIT / WAITAOF: they count replicas that acknowledged the writes of the connection they are
     * sent on, so the proxy must send them on the connection that carried this client's writes
     * (or answer them itself), never on a shared one.
     */
    public boolean isReplicationWait() {
        return replicationWait;
    }

    /**
     * EVAL, EVALSHA, FCALL and their read-only forms: they may run for as long as the script does,
     * and past the node's busy-reply-threshold the node answers other connections -BUSY while
     * the one that sent it waits.
     */
    public boolean runsScript() {
        return runsScript;
    }

    /**
     * Runs while the node is busy with a script (SCRIPT KILL, FUNCTION KILL, FUNCTION STATS, and
     * the connection commands the proxy answers itself) and uses no database: the node answers
     * it on any connection, also on one whose handshake could not SELECT (SELECT is refused -BUSY).
     */
    public boolean runsWhileBusy() {
        return has(CommandFlag.ALLOW_BUSY);
    }

    public boolean isPubSub() {
        return has(CommandFlag.PUBSUB);
    }

    public boolean isAdmin() {
        return has(CommandFlag.ADMIN);
    }

    /** Allowed before authentication (AUTH, HELLO). */
    public boolean noAuth() {
        return has(CommandFlag.NO_AUTH);
    }

    /** Key positions depend on the arguments (EVAL numkeys, XREAD STREAMS, SORT STORE...). */
    public boolean hasMovableKeys() {
        return has(CommandFlag.MOVABLEKEYS);
    }

    public List<String> aclCategories() {
        return aclCategories;
    }

    public List<String> tips() {
        return tips;
    }

    /** The key specs keys are found with (legacy first/last/step converted to a range spec). */
    public List<KeySpec> keySpecs() {
        return keySpecs;
    }

    public RequestPolicy requestPolicy() {
        return requestPolicy;
    }

    public ResponsePolicy responsePolicy() {
        return responsePolicy;
    }

    public RoutingShape shape() {
        return shape;
    }

    /** The Redis facts this spec was built from ({@code null} for {@link #UNKNOWN}). */
    public CommandInfo info() {
        return info;
    }

    /** A container (CONFIG, CLIENT, XINFO...) whose argument 1 selects a subcommand. */
    public boolean hasSubcommands() {
        return subcommands != null;
    }

    /** Subcommand specs of a container, empty otherwise. */
    public List<CommandSpec> subcommands() {
        return subcommands == null ? List.of() : subcommands.specs();
    }

    /** Subcommand argument 1 of {@code args} names, or null. */
    CommandSpec subcommand(CommandArgs args) {
        return subcommands == null || args.size() < 2 ? null : subcommands.find(args, 1);
    }

    /** Subcommand by lower-case simple name, or null. */
    CommandSpec subcommand(String simpleName) {
        return subcommands == null ? null : subcommands.find(simpleName);
    }

    /**
     * Number of key arguments in this request, or -1 when they cannot be determined: malformed
     * arguments (numkeys negative, not a number or larger than the arguments; a missing key; an
     * unbalanced XREAD STREAMS or MSET list), or a command whose keys no spec describes. On -1 the
     * proxy forwards the request to a node (standalone/sentinel: the master) so Redis replies with
     * its own error, or, when it cannot pick a node (cluster), replies {@code -ERR syntax error}.
     */
    public int keyCount(CommandArgs args) {
        return keyFinder.count(args);
    }

    /** Argument index of key {@code k} (0-based), or -1 (see {@link #keyCount}). O(specs); keyword specs rescan. */
    public int keyIndex(CommandArgs args, int k) {
        return keyFinder.index(args, k);
    }

    /**
     * Writes the argument indexes of the keys into {@code out} (as many as fit) and returns the key
     * count or -1; one pass, no allocation. Reuse one array per event loop.
     */
    public int keyIndexes(CommandArgs args, int[] out) {
        return keyFinder.collect(args, out);
    }

    @Override
    public String toString() {
        return isKnown() ? name + "(arity " + arity + ", " + shape + ")" : "UNKNOWN";
    }
}
