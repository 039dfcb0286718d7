package io.respproxy.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.respproxy.proxy.resp.RespValues;
import io.respproxy.proxy.resp.RespWriter;
import io.respproxy.routing.command.ResponsePolicy;
import io.respproxy.routing.command.RoutingShape;

/**
 * How the replies of a command sent in parts (split by slot, or fanned out to every master) become
 * the one reply the client expects. One class per shape (Envoy's splitter), each a pure function
 * of the parts' reply frames. {@link MultiPartReply} has already turned any part's error into the
 * client's reply, so a merge sees successes only (except {@link FirstSuccess}).
 */
interface ReplyMerge {

    /** The merged reply (a new buffer); {@code parts} stay the caller's, in part order. */
    ByteBuf merge(ByteBuf[] parts, ByteBufAllocator alloc);

    /** Whether one part's error is the client's reply (a half-applied answer is never merged). */
    default boolean anyErrorFails() {
        return true;
    }

    /** The merge of a split command of {@code shape}; {@code ordinals[part][i]}: key position of part's i-th key. */
    static ReplyMerge forSplit(RoutingShape shape, int keys, int[][] ordinals) {
        return switch (shape) {
            case MULTI_KEY_CONCAT -> new KeyOrder(keys, ordinals);
            case MULTI_KEY_SUM -> new IntegerAggregate(ResponsePolicy.AGG_SUM);
            default -> new FirstReply(); // MULTI_KEY_PAIRS: every part answered +OK
        };
    }

    /** The merge of a command fanned out to several nodes, by Redis's response_policy tip. */
    static ReplyMerge forFanOut(ResponsePolicy policy) {
        return switch (policy) {
            case AGG_SUM, AGG_MIN, AGG_MAX -> new IntegerAggregate(policy);
            case AGG_LOGICAL_AND, AGG_LOGICAL_OR -> new Logical(policy == ResponsePolicy.AGG_LOGICAL_AND);
            case ONE_SUCCEEDED -> new FirstSuccess();
            case ALL_SUCCEEDED, SPECIAL -> new FirstReply();
            case DEFAULT -> new ArrayConcat();
        };
    }

    /** MGET: each part's array holds its keys' values; the client's array is in key order. */
    record KeyOrder(int keys, int[][] ordinals) implements ReplyMerge {
        @Override
        public ByteBuf merge(ByteBuf[] parts, ByteBufAllocator alloc) {
            int[] partOf = new int[keys];
            int[] indexIn = new int[keys];
            for (int p = 0; p < ordinals.length; p++) {
                for (int i = 0; i < ordinals[p].length; i++) {
                    partOf[ordinals[p][i]] = p;
                    indexIn[ordinals[p][i]] = i;
                }
            }
            int[][] starts = new int[parts.length][];
            int[][] ends = new int[parts.length][];
            int bytes = 16;
            for (int p = 0; p < parts.length; p++) {
                ByteBuf b = parts[p];
                int n = (int) Math.max(0, RespValues.count(b, b.readerIndex()));
                starts[p] = new int[n];
                ends[p] = new int[n];
                int at = RespValues.firstElement(b, b.readerIndex());
                for (int i = 0; i < n; i++) {
                    starts[p][i] = at;
                    at = RespValues.skip(b, at);
                    ends[p][i] = at;
                }
                bytes += b.readableBytes();
            }
            ByteBuf out = alloc.buffer(bytes);
            RespWriter.arrayHeader(out, keys);
            for (int k = 0; k < keys; k++) {
                int p = partOf[k];
                int i = indexIn[k];
                out.writeBytes(parts[p], starts[p][i], ends[p][i] - starts[p][i]);
            }
            return out;
        }
    }

    /** DEL / EXISTS / UNLINK / TOUCH (summed), DBSIZE (agg_sum), and the min/max tips. */
    record IntegerAggregate(ResponsePolicy policy) implements ReplyMerge {
        @Override
        public ByteBuf merge(ByteBuf[] parts, ByteBufAllocator alloc) {
            long v = 0;
            for (int p = 0; p < parts.length; p++) {
                long x = RespValues.integer(parts[p], parts[p].readerIndex());
                v = p == 0 ? x : switch (policy) {
                    case AGG_MIN -> Math.min(v, x);
                    case AGG_MAX -> Math.max(v, x);
                    default -> v + x;
                };
            }
            ByteBuf out = alloc.buffer(24);
            RespWriter.integer(out, v);
            return out;
        }
    }

    /** SCRIPT EXISTS: element-wise AND (OR) of each node's 0/1 array, or of plain integers. */
    record Logical(boolean and) implements ReplyMerge {
        @Override
        public ByteBuf merge(ByteBuf[] parts, ByteBufAllocator alloc) {
            ByteBuf first = parts[0];
            if (first.getByte(first.readerIndex()) == ':') {
                boolean v = and;
                for (ByteBuf p : parts) {
                    boolean x = RespValues.integer(p, p.readerIndex()) != 0;
                    v = and ? v && x : v || x;
                }
                ByteBuf out = alloc.buffer(8);
                RespWriter.integer(out, v ? 1 : 0);
                return out;
            }
            int n = (int) Math.max(0, RespValues.count(first, first.readerIndex()));
            boolean[] v = new boolean[n];
            java.util.Arrays.fill(v, and);
            for (ByteBuf p : parts) {
                int at = RespValues.firstElement(p, p.readerIndex());
                for (int i = 0; i < n; i++) {
                    boolean x = RespValues.integer(p, at) != 0;
                    v[i] = and ? v[i] && x : v[i] || x;
                    at = RespValues.skip(p, at);
                }
            }
            ByteBuf out = alloc.buffer(8 + 4 * n);
            RespWriter.arrayHeader(out, n);
            for (boolean x : v) {
                RespWriter.integer(out, x ? 1 : 0);
            }
            return out;
        }
    }

    /** KEYS and other fan-outs without a tip: the nodes' arrays, one after the other. */
    record ArrayConcat() implements ReplyMerge {
        @Override
        public ByteBuf merge(ByteBuf[] parts, ByteBufAllocator alloc) {
            byte type = parts[0].getByte(parts[0].readerIndex());
            if (type != '*' && type != '~') {
                return anyNonNull(parts);
            }
            long n = 0;
            int bytes = 16;
            for (ByteBuf p : parts) {
                n += Math.max(0, RespValues.count(p, p.readerIndex()));
                bytes += p.readableBytes();
            }
            ByteBuf out = alloc.buffer(bytes);
            RespWriter.arrayHeader(out, (int) n);
            for (ByteBuf p : parts) {
                int at = RespValues.firstElement(p, p.readerIndex());
                out.writeBytes(p, at, p.writerIndex() - at);
            }
            return out;
        }
    }

    /**
     * One value from every node (RANDOMKEY): a non-null one, starting at a random part, so the
     * answer is nil only when every node's is (every master empty) and no master is favoured.
     */
    private static ByteBuf anyNonNull(ByteBuf[] parts) {
        int start = java.util.concurrent.ThreadLocalRandom.current().nextInt(parts.length);
        for (int i = 0; i < parts.length; i++) {
            ByteBuf p = parts[(start + i) % parts.length];
            byte t = p.getByte(p.readerIndex());
            boolean nil = t == '_' || ((t == '$' || t == '*') && p.getByte(p.readerIndex() + 1) == '-');
            if (!nil && t != '-' && t != '!') {
                return p.retainedDuplicate();
            }
        }
        return parts[start].retainedDuplicate();
    }

    /** MSET (+OK from every part), FLUSHALL and SCRIPT LOAD (all_succeeded): the first part's reply. */
    record FirstReply() implements ReplyMerge {
        @Override
        public ByteBuf merge(ByteBuf[] parts, ByteBufAllocator alloc) {
            return parts[0].retainedDuplicate();
        }
    }

    /** one_succeeded (SCRIPT KILL on every master): the first success; errors only when all failed. */
    record FirstSuccess() implements ReplyMerge {
        @Override
        public ByteBuf merge(ByteBuf[] parts, ByteBufAllocator alloc) {
            for (ByteBuf p : parts) {
                if (!RespValues.isError(p, p.readerIndex())) {
                    return p.retainedDuplicate();
                }
            }
            return parts[0].retainedDuplicate();
        }

        @Override
        public boolean anyErrorFails() {
            return false;
        }
    }
}
