package io.respproxy.routing;

import java.nio.charset.StandardCharsets;

/**
 * Read-only view of one request's arguments, as routing sees it: no Netty types, no copies.
 * Argument 0 is the command name. The proxy's decoded request frame implements this over the
 * bytes it arrived in; tests implement it over strings.
 */
public interface CommandArgs {

    /** Number of arguments, including the command name. */
    int size();

    /** Length in bytes of argument {@code index}. */
    int length(int index);

    /** Byte {@code pos} of argument {@code index}. */
    byte byteAt(int index, int pos);

    /**
     * Copies argument {@code index} into {@code dst} from index 0 ({@code dst} is at least
     * {@link #length} long): where bytes are read many at a time (a key's hash), one bulk read
     * instead of one call per byte.
     */
    default void copyArg(int index, byte[] dst) {
        int len = length(index);
        for (int i = 0; i < len; i++) {
            dst[i] = byteAt(index, i);
        }
    }

    /** ASCII case-insensitive comparison of argument {@code index} with {@code upperAscii} (given in upper case). */
    default boolean equalsIgnoreCase(int index, String upperAscii) {
        int len = length(index);
        if (len != upperAscii.length()) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            int b = byteAt(index, i);
            if (b >= 'a' && b <= 'z') {
                b -= 32;
            }
            if (b != upperAscii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Argument {@code index} parsed as a decimal signed 64-bit integer, or {@code fallback} when it
     * is not one (empty, non-digits, overflow). Never allocates.
     */
    default long parseLong(int index, long fallback) {
        int len = length(index);
        if (len == 0 || len > 20) {
            return fallback;
        }
        int pos = 0;
        boolean negative = false;
        if (byteAt(index, 0) == '-') {
            if (len == 1) {
                return fallback;
            }
            negative = true;
            pos = 1;
        }
        long value = 0;
        for (; pos < len; pos++) {
            int d = byteAt(index, pos) - '0';
            if (d < 0 || d > 9) {
                return fallback;
            }
            if (value > (Long.MAX_VALUE - d) / 10) {
                return fallback;
            }
            value = value * 10 + d;
        }
        return negative ? -value : value;
    }

    /** Argument {@code index} as a String (allocates: for errors and control paths, not the hot path). */
    default String asString(int index) {
        int len = length(index);
        byte[] bytes = new byte[len];
        for (int i = 0; i < len; i++) {
            bytes[i] = byteAt(index, i);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
