package io.respproxy.proxy.session;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.respproxy.proxy.resp.RespRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Which subscriptions need the other masters' keyspace events, and which of their frames pass. */
class KeyspaceFanInTest {

    private static boolean matches(boolean pattern, String... names) {
        String[] args = new String[names.length + 1];
        args[0] = pattern ? "PSUBSCRIBE" : "SUBSCRIBE";
        System.arraycopy(names, 0, args, 1, names.length);
        RespRequest req = RespRequest.of(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, args);
        try {
            return KeyspaceFanIn.mayMatchKeyspace(req, pattern);
        } finally {
            req.release();
        }
    }

    private static boolean passes(String resp) {
        ByteBuf b = Unpooled.copiedBuffer(resp, StandardCharsets.ISO_8859_1);
        try {
            return KeyspaceFanIn.isKeyspaceMessage(b);
        } finally {
            b.release();
        }
    }

    @Test
    void patternsAndChannelsThatCanNameAKeyspaceEvent() {
        assertTrue(matches(true, "*"));
        assertTrue(matches(true, "__key*@0__:*"));
        assertTrue(matches(true, "news.*", "__keyevent@0__:set"));
        assertTrue(matches(false, "__keyspace@0__:foo"));
        assertFalse(matches(true, "news.*"));
        assertFalse(matches(false, "news", "__keys"));
    }

    @Test
    void onlyKeyspaceAndKeyeventMessagesPass() {
        assertTrue(passes("*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$18\r\n__keyspace@0__:foo\r\n$3\r\nset\r\n"));
        assertTrue(passes(">3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:set\r\n$3\r\nfoo\r\n"));
        assertFalse(passes("*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$4\r\nnews\r\n$2\r\nhi\r\n"), "a PUBLISH: the home master's");
        assertFalse(passes("*3\r\n$10\r\npsubscribe\r\n$1\r\n*\r\n:1\r\n"), "a confirmation: the home master's");
        assertFalse(passes("-ERR x\r\n"));
    }
}
