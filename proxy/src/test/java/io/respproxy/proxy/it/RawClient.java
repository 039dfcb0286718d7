package io.respproxy.proxy.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A plain socket to the proxy: writes raw bytes, reads RESP lines and bulk bodies, sees EOF. */
final class RawClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        socket.setTcpNoDelay(true);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    Socket socket() {
        return socket;
    }

    RawClient send(String s) throws IOException {
        return send(s.getBytes(StandardCharsets.UTF_8));
    }

    RawClient send(byte[] b) throws IOException {
        out.write(b);
        out.flush();
        return this;
    }

    /** A command as a RESP array of bulk strings. */
    static String command(String... args) {
        StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            sb.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        }
        return sb.toString();
    }

    /** One line without its CRLF; null at EOF. */
    String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int prev = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            }
            if (prev == '\r' && b == '\n') {
                byte[] all = line.toByteArray();
                return new String(all, 0, all.length - 1, StandardCharsets.UTF_8);
            }
            line.write(b);
            prev = b;
        }
    }

    /**
     * One whole reply rendered as text: simple/error/integer lines as they are ("+OK", "-ERR ..."),
     * a bulk as its content, null bulk and RESP3 null as "(nil)", arrays as "[a, b]", RESP3 pushes as
     * ">[a, b]", sets as "~[a]", maps as "{k=v}".
     */
    String readReply() throws IOException {
        String line = readLine();
        if (line == null) {
            throw new IOException("EOF");
        }
        char t = line.charAt(0);
        switch (t) {
            case '$':
            case '=': {
                int len = Integer.parseInt(line.substring(1));
                if (len < 0) {
                    return "(nil)";
                }
                byte[] body = in.readNBytes(len + 2);
                return new String(body, 0, len, StandardCharsets.UTF_8);
            }
            case '_':
                return "(nil)";
            case '%': {
                int n = Integer.parseInt(line.substring(1));
                StringBuilder sb = new StringBuilder("{");
                for (int i = 0; i < n; i++) {
                    sb.append(i == 0 ? "" : ", ").append(readReply()).append('=').append(readReply());
                }
                return sb.append('}').toString();
            }
            case '>':
            case '~':
            case '*': {
                int n = Integer.parseInt(line.substring(1));
                if (n < 0) {
                    return "(nil)";
                }
                StringBuilder sb = new StringBuilder(t == '>' ? ">[" : t == '~' ? "~[" : "[");
                for (int i = 0; i < n; i++) {
                    sb.append(i == 0 ? "" : ", ").append(readReply());
                }
                return sb.append(']').toString();
            }
            default:
                return line;
        }
    }

    /** True when the server closed the connection within {@code millis} (reading and dropping any bytes first). */
    boolean closedWithin(long millis) throws IOException {
        return closedWithin(socket, in, millis);
    }

    /** As {@link #closedWithin(long)}, for any socket and its input stream. */
    static boolean closedWithin(Socket socket, InputStream in, long millis) throws IOException {
        long deadline = System.currentTimeMillis() + millis;
        byte[] buf = new byte[65536];
        while (System.currentTimeMillis() < deadline) {
            socket.setSoTimeout((int) Math.max(1, deadline - System.currentTimeMillis()));
            try {
                if (in.read(buf) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true; // reset
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
