package io.respproxy.routing.command;

import io.respproxy.routing.CommandArgs;

/**
 * Finds keys by walking the command's key specs, as Redis's {@code getKeysUsingKeySpecs} does,
 * with two deliberate differences: {@code numkeys = 0} yields no keys rather than an invalid spec
 * (EVAL/FCALL accept it; Redis falls back to its own getkeys proc for the same answer), and a range
 * that cannot be whole (MSET with a key but no value, XREAD with unbalanced STREAMS) is invalid up
 * front instead of being truncated, since Redis rejects those commands anyway.
 *
 * <p>A spec resolves to a packed {@code (first << 32) | last} or one of two sentinels, so nothing
 * is allocated per request.
 */
final class SpecKeyFinder implements KeyFinder {

    /** The spec yields no keys here (keyword absent, numkeys 0). */
    private static final long NONE = Long.MIN_VALUE;
    /** The arguments are malformed for this spec. */
    private static final long BAD = Long.MIN_VALUE + 1;

    private final KeySpec[] specs;

    SpecKeyFinder(KeySpec[] specs) {
        this.specs = specs.clone();
    }

    @Override
    public int count(CommandArgs args) {
        int total = 0;
        for (KeySpec spec : specs) {
            long r = resolve(spec, args);
            if (r == BAD) {
                return INVALID;
            }
            if (r != NONE) {
                total += (last(r) - first(r)) / spec.keyStep() + 1;
            }
        }
        return total;
    }

    @Override
    public int index(CommandArgs args, int k) {
        if (k < 0) {
            return INVALID;
        }
        int remaining = k;
        int found = INVALID;
        for (KeySpec spec : specs) {
            long r = resolve(spec, args);
            if (r == BAD) {
                return INVALID;
            }
            if (r == NONE || found != INVALID) {
                continue;
            }
            int step = spec.keyStep();
            int n = (last(r) - first(r)) / step + 1;
            if (remaining < n) {
                // keep resolving the later specs: a malformed later spec makes the whole request invalid
                found = first(r) + remaining * step;
            } else {
                remaining -= n;
            }
        }
        return found;
    }

    @Override
    public int collect(CommandArgs args, int[] out) {
        int total = 0;
        for (KeySpec spec : specs) {
            long r = resolve(spec, args);
            if (r == BAD) {
                return INVALID;
            }
            if (r == NONE) {
                continue;
            }
            int step = spec.keyStep();
            for (int i = first(r); i <= last(r); i += step) {
                if (total < out.length) {
                    out[total] = i;
                }
                total++;
            }
        }
        return total;
    }

    private static int first(long resolved) {
        return (int) (resolved >>> 32);
    }

    private static int last(long resolved) {
        return (int) resolved;
    }

    /** First and last key index of {@code spec} in {@code args}, packed; or NONE / BAD. */
    static long resolve(KeySpec spec, CommandArgs args) {
        if (spec.has(KeySpecFlag.INCOMPLETE)) {
            // Redis itself distrusts incomplete specs and asks the command's own code; we cannot.
            return BAD;
        }
        int argc = args.size();
        int first;
        switch (spec.begin) {
            case INDEX -> first = spec.index;
            case KEYWORD -> {
                first = keywordEnd(spec, args, argc);
                if (first < 0) {
                    return NONE;
                }
            }
            default -> {
                return BAD;
            }
        }
        long last;
        switch (spec.find) {
            case RANGE -> {
                int lastKey = spec.a;
                int limit = spec.c;
                if (lastKey >= 0) {
                    last = (long) first + lastKey;
                } else if (limit <= 1) {
                    last = (long) argc + lastKey;
                } else {
                    int rest = argc - first;
                    if (lastKey != -1 || rest <= 0 || rest % limit != 0) {
                        return BAD;
                    }
                    last = (long) first + rest / limit - 1;
                }
                // MSET a 1 b: the last pair is incomplete (Redis: wrong number of arguments)
                if (lastKey < 0 && last >= first && (last - first + 1) % spec.b != 0) {
                    return BAD;
                }
            }
            case KEYNUM -> {
                long numIdx = (long) first + spec.a;
                if (numIdx < 1 || numIdx >= argc) {
                    return BAD;
                }
                long numKeys = args.parseLong((int) numIdx, -1);
                if (numKeys < 0 || numKeys >= argc) {
                    return BAD;
                }
                if (numKeys == 0) {
                    return NONE;
                }
                first += spec.b;
                last = (long) first + (numKeys - 1) * spec.c;
            }
            default -> {
                return BAD;
            }
        }
        if (first < 1 || first >= argc || last >= argc || last < first) {
            return BAD;
        }
        return ((long) first << 32) | last;
    }

    /** Index just after the begin_search keyword, or -1 when absent (Redis's bounds: never arg 0 or the last arg). */
    private static int keywordEnd(KeySpec spec, CommandArgs args, int argc) {
        int startFrom = spec.startFrom;
        if (startFrom >= 0) {
            for (int i = Math.max(startFrom, 1); i < argc - 1; i++) {
                if (matches(args, i, spec.keywordUpper)) {
                    return i + 1;
                }
            }
        } else {
            for (int i = Math.min(argc + startFrom, argc - 2); i > 1; i--) {
                if (matches(args, i, spec.keywordUpper)) {
                    return i + 1;
                }
            }
        }
        return -1;
    }

    private static boolean matches(CommandArgs args, int index, byte[] upper) {
        int len = upper.length;
        if (args.length(index) != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            int b = args.byteAt(index, i);
            if (b >= 'a' && b <= 'z') {
                b -= 32;
            }
            if (b != upper[i]) {
                return false;
            }
        }
        return true;
    }
}
