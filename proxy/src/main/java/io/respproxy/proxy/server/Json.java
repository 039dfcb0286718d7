package io.respproxy.proxy.server;

/** Just enough JSON writing for the admin views: strings escaped as RFC 8259 requires. */
final class Json {

    private Json() {}

    /** Appends {@code s} as a JSON string (quoted), or {@code null}. */
    static StringBuilder str(StringBuilder sb, String s) {
        if (s == null) {
            return sb.append("null");
        }
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }

    /** Appends {@code "key":} (after a comma unless {@code first}). */
    static StringBuilder key(StringBuilder sb, boolean first, String key) {
        if (!first) {
            sb.append(',');
        }
        return str(sb, key).append(':');
    }

    /** Seconds with millisecond precision, as a JSON number. */
    static String seconds(long nanos) {
        return java.math.BigDecimal.valueOf(nanos / 1_000_000, 3).stripTrailingZeros().toPlainString();
    }
}
