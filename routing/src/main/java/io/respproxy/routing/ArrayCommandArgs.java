package io.respproxy.routing;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * {@link CommandArgs} over byte arrays: for control paths (health probes, admin, tests) that build
 * a command themselves. The data path implements {@code CommandArgs} over the request frame instead.
 */
public final class ArrayCommandArgs implements CommandArgs {

    private final byte[][] args;

    private ArrayCommandArgs(byte[][] args) {
        this.args = args;
    }

    /** Arguments given as strings, encoded in UTF-8. */
    public static ArrayCommandArgs of(String... args) {
        byte[][] bytes = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            bytes[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return new ArrayCommandArgs(bytes);
    }

    /** Arguments given as byte arrays (copied, so later changes to the arrays are not seen). */
    public static ArrayCommandArgs ofBytes(byte[]... args) {
        byte[][] copy = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            copy[i] = Objects.requireNonNull(args[i], "argument").clone();
        }
        return new ArrayCommandArgs(copy);
    }

    @Override
    public int size() {
        return args.length;
    }

    @Override
    public int length(int index) {
        return args[index].length;
    }

    @Override
    public byte byteAt(int index, int pos) {
        return args[index][pos];
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < args.length; i++) {
            sb.append(i == 0 ? "" : " ").append(asString(i));
        }
        return sb.toString();
    }
}
