package io.backupkit.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.function.LongConsumer;

/**
 * Counts the bytes read through it, calls back every {@code step} bytes (and at the end of the
 * stream), and stops with {@link InterruptedIOException} once the reading thread is interrupted:
 * how a cancelled job stops reading an archive.
 */
public final class ProgressInputStream extends FilterInputStream {

    private final long step;
    private final LongConsumer onBytes;
    private long count;
    private long reported;

    /** Wraps {@code in}; {@code onBytes} receives the running count. */
    public ProgressInputStream(InputStream in, long step, LongConsumer onBytes) {
        super(in);
        this.step = step;
        this.onBytes = onBytes;
    }

    /** Bytes read so far. */
    public long count() {
        return count;
    }

    private void check() throws InterruptedIOException {
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedIOException("cancelled");
        }
    }

    private void advance(long n) {
        if (n < 0) {
            if (reported != count) {
                reported = count;
                onBytes.accept(count);
            }
            return;
        }
        count += n;
        if (count - reported >= step) {
            reported = count;
            onBytes.accept(count);
        }
    }

    @Override
    public int read() throws IOException {
        check();
        int b = super.read();
        advance(b < 0 ? -1 : 1);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        check();
        int n = super.read(b, off, len);
        advance(n);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        check();
        long skipped = super.skip(n);
        advance(skipped);
        return skipped;
    }
}
