package io.respproxy.proxy.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FrameRunTest {

    private final FrameRun run = new FrameRun(PooledByteBufAllocator.DEFAULT);
    private final List<ByteBuf> written = new ArrayList<>();
    private final List<ByteBuf> sources = new ArrayList<>();

    @AfterEach
    void release() {
        run.discard();
        written.forEach(ByteBuf::release);
        sources.forEach(ByteBuf::release);
    }

    private ByteBuf source(String text) {
        ByteBuf b = Unpooled.directBuffer().writeBytes(text.getBytes(StandardCharsets.US_ASCII));
        sources.add(b);
        return b;
    }

    private void add(ByteBuf source, int from, int len) {
        keep(run.add(source.retainedSlice(from, len), source, from));
    }

    private void addBorrowed(ByteBuf source, int from, int len) {
        ByteBuf frame = source.retainedSlice(from, len);
        keep(run.addBorrowed(frame, source, from));
        frame.release(); // the caller's: nothing of it may be needed any more
    }

    private void keep(ByteBuf previous) {
        if (previous != null) {
            written.add(previous);
        }
    }

    private String flushed() {
        keep(run.take());
        StringBuilder sb = new StringBuilder();
        for (ByteBuf b : written) {
            sb.append('[').append(b.toString(StandardCharsets.US_ASCII)).append(']');
        }
        return sb.toString();
    }

    @Test
    void adjacentFramesGoOutAsOneSliceOfTheirBuffer() {
        ByteBuf src = source("AAABBBCCC");
        add(src, 0, 3);
        add(src, 3, 3);
        add(src, 6, 3);
        ByteBuf out = run.take();
        written.add(out);
        assertEquals("AAABBBCCC", out.toString(StandardCharsets.US_ASCII));
        src.setByte(0, 'Z');
        assertEquals('Z', out.getByte(0), "a slice of the buffer, not a copy");
    }

    @Test
    void interleavedSmallFramesAreCopiedIntoOneBufferInOrder() {
        ByteBuf a = source("a1a2a3");
        ByteBuf b = source("b1b2b3");
        add(a, 0, 2);
        add(b, 0, 2);
        add(a, 2, 2);
        addBorrowed(b, 2, 2);
        add(a, 4, 2);
        add(b, 4, 2);
        assertEquals("[a1b1a2b2a3b3]", flushed());
        assertEquals(1, written.size());
    }

    @Test
    void aLargeFrameIsNotCopiedAndKeepsItsPlace() {
        String big = "x".repeat(FrameRun.COPY_MAX + 1);
        ByteBuf a = source("a1" + big);
        ByteBuf b = source("b1b2");
        add(a, 0, 2);
        add(b, 0, 2);
        add(a, 2, big.length());
        addBorrowed(b, 2, 2);
        assertEquals("[a1b1][" + big + "][b2]", flushed());
        assertEquals(3, written.size());
    }

    @Test
    void aLargeBorrowedFrameIsDuplicatedNotCopied() {
        String big = "y".repeat(FrameRun.COPY_MAX + 10);
        ByteBuf a = source(big);
        ByteBuf frame = a.retainedSlice(0, big.length());
        assertNull(run.addBorrowed(frame, a, 0));
        ByteBuf out = run.take();
        written.add(out);
        assertEquals(0, frame.readerIndex());
        frame.release();
        assertEquals(big, out.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void aFullBatchGoesOutBeforeTheNextFrame() {
        int frame = 1000;
        int count = FrameRun.BATCH_MAX / frame + 2;
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < count; i++) {
            text.append(String.valueOf((char) ('a' + i % 26)).repeat(frame));
        }
        ByteBuf a = source(text.toString());
        ByteBuf other = source("-".repeat(count));
        for (int i = 0; i < count; i++) {
            add(a, i * frame, frame);
            add(other, i, 1); // never adjacent to what came before it
        }
        String all = flushed().replace("][", "");
        StringBuilder expected = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            expected.append(text, i * frame, (i + 1) * frame).append('-');
        }
        assertEquals(expected.append(']').toString(), all);
        assertTrue(written.size() >= 2, "split at " + FrameRun.BATCH_MAX + " bytes");
        for (ByteBuf b : written) {
            assertTrue(b.readableBytes() <= FrameRun.BATCH_MAX);
        }
    }

    @Test
    void discardReleasesWhatIsGathered() {
        ByteBuf a = source("a1a2");
        ByteBuf b = source("b1");
        ByteBuf f1 = a.retainedSlice(0, 2);
        keep(run.add(f1, a, 0));
        keep(run.add(b.retainedSlice(0, 2), b, 0));
        assertEquals(4, run.pendingBytes());
        run.discard();
        assertTrue(run.isEmpty());
        assertEquals(1, a.refCnt(), "the run's reference is gone");
        assertEquals(1, b.refCnt());
    }
}
