package io.respproxy.routing.command;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Locale;
import java.util.Objects;

/**
 * One Redis 7 key spec: where a group of key arguments starts ({@code begin_search}) and how far it
 * goes ({@code find_keys}). Immutable; fields are primitives so extraction reads them without
 * indirection.
 *
 * <ul>
 *   <li>begin INDEX(i): the keys start at argument i.</li>
 *   <li>begin KEYWORD(kw, startfrom): they start after the first argument equal to kw, searching
 *       forward from startfrom, or backwards from {@code argc + startfrom} when it is negative.</li>
 *   <li>find RANGE(lastkey, step, limit): last key at {@code first + lastkey}; a negative lastkey
 *       counts from the end ({@code -1} = last argument), or with limit &gt; 1 the keys are the
 *       first {@code 1/limit} of the remaining arguments (XREAD STREAMS k1 k2 id1 id2).</li>
 *   <li>find KEYNUM(keynumidx, firstkey, step): the key count is the integer at
 *       {@code first + keynumidx}; keys start at {@code first + firstkey} (EVAL, ZUNIONSTORE).</li>
 * </ul>
 */
public final class KeySpec {

    /** How the first key is found. */
    public enum Begin { INDEX, KEYWORD, UNKNOWN }

    /** How the following keys are found. */
    public enum Find { RANGE, KEYNUM, UNKNOWN }

    final int flags;
    final Begin begin;
    final int index;
    final String keyword;
    final byte[] keywordUpper;
    final int startFrom;
    final Find find;
    /** RANGE: lastkey; KEYNUM: keynumidx. */
    final int a;
    /** RANGE: keystep; KEYNUM: firstkey. */
    final int b;
    /** RANGE: limit; KEYNUM: keystep. */
    final int c;

    private KeySpec(int flags, Begin begin, int index, String keyword, int startFrom, Find find, int a, int b, int c) {
        this.flags = flags;
        this.begin = begin;
        this.index = index;
        this.keyword = keyword;
        this.keywordUpper = keyword == null ? null : keyword.toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
        this.startFrom = startFrom;
        this.find = find;
        this.a = a;
        this.b = b;
        this.c = c;
    }

    /** Keys from argument {@code index}, last at {@code lastKey} (see class doc), every {@code step}. */
    public static KeySpec range(int flags, int index, int lastKey, int step, int limit) {
        return new KeySpec(flags, Begin.INDEX, index, null, 0, Find.RANGE, lastKey, positive(step), limit);
    }

    /** Keys after {@code keyword}, last at {@code lastKey}, every {@code step}. */
    public static KeySpec keywordRange(int flags, String keyword, int startFrom, int lastKey, int step, int limit) {
        return new KeySpec(flags, Begin.KEYWORD, 0, nonEmpty(keyword), startFrom, Find.RANGE, lastKey, positive(step), limit);
    }

    /** Key count at {@code index + keyNumIdx}, keys from {@code index + firstKey}, every {@code step}. */
    public static KeySpec keynum(int flags, int index, int keyNumIdx, int firstKey, int step) {
        return new KeySpec(flags, Begin.INDEX, index, null, 0, Find.KEYNUM, keyNumIdx, firstKey, positive(step));
    }

    /** Keynum form after {@code keyword}. */
    public static KeySpec keywordKeynum(int flags, String keyword, int startFrom, int keyNumIdx, int firstKey, int step) {
        return new KeySpec(flags, Begin.KEYWORD, 0, nonEmpty(keyword), startFrom, Find.KEYNUM, keyNumIdx, firstKey, positive(step));
    }

    /**
     * A spec Redis cannot describe (SORT's BY/GET patterns, some module commands): a command with
     * one has its keys found by dedicated code, or not at all ({@link CommandSpec#keyCount} = -1).
     */
    public static KeySpec unknown(int flags) {
        return new KeySpec(flags, Begin.UNKNOWN, 0, null, 0, Find.UNKNOWN, 0, 0, 0);
    }

    /** Key-spec flags as a mask of {@link KeySpecFlag#bit()}. */
    public static int flagMask(Collection<String> redisNames) {
        int mask = 0;
        for (String name : redisNames) {
            KeySpecFlag f = KeySpecFlag.fromRedisName(name);
            if (f != null) {
                mask |= f.bit();
            }
        }
        return mask;
    }

    private static int positive(int step) {
        if (step < 1) {
            throw new IllegalArgumentException("key step must be >= 1: " + step);
        }
        return step;
    }

    private static String nonEmpty(String keyword) {
        if (Objects.requireNonNull(keyword, "keyword").isEmpty()) {
            throw new IllegalArgumentException("empty begin_search keyword");
        }
        return keyword;
    }

    /** Key-spec flags as a mask of {@link KeySpecFlag#bit()}. */
    public int flags() {
        return flags;
    }

    public boolean has(KeySpecFlag flag) {
        return (flags & flag.bit()) != 0;
    }

    public Begin begin() {
        return begin;
    }

    /** INDEX begin: the argument index of the first key. */
    public int index() {
        return index;
    }

    /** KEYWORD begin: the keyword (as Redis spells it), else null. */
    public String keyword() {
        return keyword;
    }

    /** KEYWORD begin: where the search starts (negative: from the end, backwards). */
    public int startFrom() {
        return startFrom;
    }

    public Find find() {
        return find;
    }

    /** RANGE: lastkey. KEYNUM: keynumidx. */
    public int lastKeyOrKeyNumIdx() {
        return a;
    }

    /** RANGE: keystep. KEYNUM: firstkey. */
    public int stepOrFirstKey() {
        return b;
    }

    /** RANGE: limit. KEYNUM: keystep. */
    public int limitOrStep() {
        return c;
    }

    /** The key step of either find form. */
    public int keyStep() {
        return find == Find.KEYNUM ? c : b;
    }

    /** True when this spec always yields exactly one key at a fixed index (GET, HSET, OBJECT ENCODING). */
    public boolean isSingleFixedKey() {
        return begin == Begin.INDEX && find == Find.RANGE && a == 0;
    }

    /** Same text form as the resource file: {@code FLAGS/BEGIN/FIND}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (KeySpecFlag f : KeySpecFlag.values()) {
            if (has(f)) {
                sb.append(sb.length() == 0 ? "" : ",").append(f.redisName());
            }
        }
        if (sb.length() == 0) {
            sb.append('-');
        }
        sb.append('/');
        switch (begin) {
            case INDEX -> sb.append('i').append(index);
            case KEYWORD -> sb.append('k').append(keyword).append('@').append(startFrom);
            default -> sb.append("unknown");
        }
        sb.append('/');
        switch (find) {
            case RANGE -> sb.append('r').append(a).append(',').append(b).append(',').append(c);
            case KEYNUM -> sb.append('n').append(a).append(',').append(b).append(',').append(c);
            default -> sb.append("unknown");
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeySpec k && k.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
