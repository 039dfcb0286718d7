package io.respproxy.routing.slot;

import io.respproxy.routing.CommandArgs;

/**
 * Redis Cluster hash slot of a key: {@code CRC16(key) mod 16384}, with CRC16-CCITT (XMODEM:
 * polynomial 0x1021, initial value 0, no reflection) exactly as in the cluster specification.
 *
 * <p>Hash tags: if the key contains a {@code '{'} and, after the first one, a {@code '}'}, and
 * there is at least one byte between them, only the bytes between that first {@code '{'} and the
 * first {@code '}'} after it are hashed; otherwise the whole key is. So {@code {user1}.a} and
 * {@code {user1}.b} share a slot, {@code foo{}{bar}} hashes whole, {@code foo{{bar}}} hashes
 * {@code {bar}.
 *
 * <p>Nothing here allocates (a key is copied into a buffer of the thread's, kept).
 */
public final class SlotHash {

    /** Number of hash slots in a Redis Cluster. */
    public static final int SLOT_COUNT = 16384;

    private static final char[] TABLE = new char[256];
    /*
     * Slicing by four: TABLE_k[v] is the CRC of byte v followed by k zero bytes, so four bytes
     * fold in with four independent lookups instead of a chain of four dependent ones (a key is
     * hashed for every command in a cluster).
     */
    private static final char[] TABLE_1 = new char[256];
    private static final char[] TABLE_2 = new char[256];
    private static final char[] TABLE_3 = new char[256];

    static {
        for (int i = 0; i < 256; i++) {
            int crc = i << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            TABLE[i] = (char) (crc & 0xffff);
        }
        char[][] tables = {TABLE, TABLE_1, TABLE_2, TABLE_3};
        for (int k = 1; k < tables.length; k++) {
            for (int i = 0; i < 256; i++) {
                int c = tables[k - 1][i];
                tables[k][i] = (char) (((c << 8) ^ TABLE[(c >>> 8) & 0xff]) & 0xffff);
            }
        }
    }

    private SlotHash() {
    }

    /** CRC16 (XMODEM) of {@code len} bytes of {@code bytes} from {@code offset}. */
    public static int crc16(byte[] bytes, int offset, int len) {
        int crc = 0;
        int i = offset;
        int end = offset + len;
        for (; i + 4 <= end; i += 4) {
            int x = crc ^ ((bytes[i] & 0xff) << 8 | (bytes[i + 1] & 0xff));
            crc = TABLE_3[x >>> 8] ^ TABLE_2[x & 0xff] ^ TABLE_1[bytes[i + 2] & 0xff] ^ TABLE[bytes[i + 3] & 0xff];
        }
        for (; i < end; i++) {
            crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ bytes[i]) & 0xff]) & 0xffff;
        }
        return crc;
    }

    /** Slot of a key given as bytes. */
    public static int slot(byte[] key) {
        return slot(key, key.length);
    }

    /** Slot of the key in the first {@code len} bytes of {@code key}. */
    private static int slot(byte[] key, int len) {
        int start = 0;
        int end = len;
        int open = indexOf(key, len, (byte) '{', 0);
        if (open >= 0) {
            int close = indexOf(key, len, (byte) '}', open + 1);
            if (close > open + 1) {
                start = open + 1;
                end = close;
            }
        }
        return crc16(key, start, end - start) & (SLOT_COUNT - 1);
    }

    /**
     * Keys up to this long are hashed from a copy (one bulk read); longer ones byte by byte, so
     * that a client's huge key never makes the proxy allocate its size.
     */
    private static final int COPIED_KEY_MAX = 256;
    private static final ThreadLocal<byte[]> KEY_COPY = ThreadLocal.withInitial(() -> new byte[COPIED_KEY_MAX]);

    /** Slot of the key at argument {@code argIndex} of a request. */
    public static int slot(CommandArgs args, int argIndex) {
        int len = args.length(argIndex);
        if (len <= COPIED_KEY_MAX) {
            byte[] copy = KEY_COPY.get();
            args.copyArg(argIndex, copy);
            return slot(copy, len);
        }
        int start = 0;
        int end = len;
        int open = indexOf(args, argIndex, len, (byte) '{', 0);
        if (open >= 0) {
            int close = indexOf(args, argIndex, len, (byte) '}', open + 1);
            if (close > open + 1) {
                start = open + 1;
                end = close;
            }
        }
        int crc = 0;
        for (int i = start; i < end; i++) {
            crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ args.byteAt(argIndex, i)) & 0xff]) & 0xffff;
        }
        return crc & (SLOT_COUNT - 1);
    }

    private static int indexOf(byte[] key, int len, byte b, int from) {
        for (int i = from; i < len; i++) {
            if (key[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(CommandArgs args, int argIndex, int len, byte b, int from) {
        for (int i = from; i < len; i++) {
            if (args.byteAt(argIndex, i) == b) {
                return i;
            }
        }
        return -1;
    }
}
