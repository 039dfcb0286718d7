package io.respproxy.routing.slot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.respproxy.routing.ArrayCommandArgs;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SlotHashTest {

    private static int slot(String key) {
        int fromBytes = SlotHash.slot(key.getBytes(StandardCharsets.UTF_8));
        int fromArgs = SlotHash.slot(ArrayCommandArgs.of("GET", key), 1);
        assertEquals(fromBytes, fromArgs, "byte[] and CommandArgs paths agree for " + key);
        return fromBytes;
    }

    private static int crc(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return SlotHash.crc16(b, 0, b.length);
    }

    @Test
    void crc16MatchesClusterSpecVector() {
        assertEquals(0x31C3, crc("123456789"));
    }

    @Test
    void knownSlots() {
        assertEquals(12182, slot("foo"));
        assertEquals(5061, slot("bar"));
        assertEquals(0, slot(""));
    }

    @Test
    void hashTagSharesSlot() {
        assertEquals(slot("{user1000}.following"), slot("{user1000}.followers"));
        assertEquals(slot("user1000"), slot("{user1000}.following"));
    }

    @Test
    void emptyTagHashesWholeKey() {
        assertEquals(crc("foo{}{bar}") & 16383, slot("foo{}{bar}"));
        assertNotEquals(slot("bar"), slot("foo{}{bar}"));
    }

    @Test
    void firstOpenBraceThenFirstCloseBrace() {
        assertEquals(slot("{bar"), slot("foo{{bar}}zap"));
        assertEquals(slot("bar"), slot("foo{bar}{zap}"));
    }

    @Test
    void unclosedTagHashesWholeKey() {
        assertEquals(crc("foo{bar") & 16383, slot("foo{bar"));
        assertEquals(crc("foo}bar{") & 16383, slot("foo}bar{"));
    }

    @Test
    void binaryKeys() {
        byte[] key = {(byte) 0xff, 0, (byte) 0x80, '{', (byte) 0xfe, '}'};
        assertEquals(SlotHash.crc16(new byte[] {(byte) 0xfe}, 0, 1) & 16383, SlotHash.slot(key));
        assertEquals(SlotHash.slot(key), SlotHash.slot(ArrayCommandArgs.ofBytes("GET".getBytes(StandardCharsets.US_ASCII), key), 1));
    }

    @Test
    void slotsStayInRange() {
        for (int i = 0; i < 10_000; i++) {
            int s = slot("key:" + i);
            org.junit.jupiter.api.Assertions.assertTrue(s >= 0 && s < SlotHash.SLOT_COUNT);
        }
    }

    @Test
    void longKeysHashedByteByByteAgreeWithShortOnesCopied() {
        String tail = "x".repeat(300);
        assertEquals(crc(tail) & 16383, slot(tail), "past the copied length, the whole key");
        assertEquals(slot("{tag}"), slot("{tag}" + tail), "and its hash tag");
        assertEquals(slot("tag"), slot("{tag}" + tail));
        assertEquals(crc(tail + "{}") & 16383, slot(tail + "{}"));
        String shortAfterLong = "k" + "y".repeat(10);
        slot(tail + "{abc}");
        assertEquals(crc(shortAfterLong) & 16383, slot(shortAfterLong), "nothing of a longer key's copy is left over");
    }

    /** The CRC bit by bit, as the cluster specification gives it. */
    private static int bitwiseCrc(byte[] b, int off, int len) {
        int crc = 0;
        for (int i = off; i < off + len; i++) {
            crc ^= (b[i] & 0xff) << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
            }
        }
        return crc;
    }

    @Test
    void fourBytesAtATimeAgreesWithTheBitwiseDefinition() {
        java.util.Random random = new java.util.Random(3);
        for (int n = 0; n < 5000; n++) {
            byte[] b = new byte[random.nextInt(48)];
            random.nextBytes(b);
            int off = b.length == 0 ? 0 : random.nextInt(b.length);
            int len = random.nextInt(b.length - off + 1);
            assertEquals(bitwiseCrc(b, off, len), SlotHash.crc16(b, off, len), "offset " + off + " length " + len);
        }
    }
}
