package io.backupkit.internal;

import io.backupkit.LimitExceededException;
import io.backupkit.SizeLimits;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Streams that stop at a size limit. They throw {@link LimitIOException}, an {@link IOException}
 * that passes through the archive and store layers unchanged, and that the caller turns back into
 * the {@link LimitExceededException} it carries with {@link #limitExceeded(Throwable)}.
 */
public final class SizeLimiter {

    private SizeLimiter() {
    }

    /** An I/O failure that is really a size limit. */
    public static final class LimitIOException extends IOException {
        private static final long serialVersionUID = 1L;
        private final LimitExceededException limit;

        public LimitIOException(LimitExceededException limit) {
            super(limit.getMessage());
            this.limit = limit;
        }

        /** The limit that fired. */
        public LimitExceededException limit() {
            return limit;
        }
    }

    /** The limit behind a failure, found anywhere in its cause chain, or null. */
    public static LimitExceededException limitExceeded(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof LimitIOException l) {
                return l.limit();
            }
            if (t instanceof LimitExceededException l) {
                return l;
            }
            for (Throwable s : t.getSuppressed()) {
                if (s instanceof LimitIOException l) {
                    return l.limit();
                }
            }
        }
        return null;
    }

    /** {@code out} failing once more than {@code max} bytes were written; {@code out} itself when unlimited. */
    public static OutputStream limit(OutputStream out, long max) {
        if (max == SizeLimits.UNLIMITED) {
            return out;
        }
        return new FilterOutputStream(out) {
            private long written;

            @Override
            public void write(int b) throws IOException {
                count(1);
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                count(len);
                out.write(b, off, len);
            }

            private void count(long n) throws IOException {
                written += n;
                if (written > max) {
                    throw new LimitIOException(new LimitExceededException("",
                            LimitExceededException.Limit.ARCHIVE_BYTES, max, written));
                }
            }
        };
    }

    /**
     * The decompression-bomb guard: counts the expanded bytes read through it and fails once they
     * pass {@code maxExpandedBytes}, or once they pass the grace size and exceed
     * {@code maxExpansionRatio} times the stored bytes read so far.
     */
    static InputStream expansionGuard(InputStream expanded, java.util.function.LongSupplier storedBytes,
                                      SizeLimits limits) {
        return new FilterInputStream(expanded) {
            private long read;

            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    count(1);
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    count(n);
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                long skipped = super.skip(n);
                if (skipped > 0) {
                    count(skipped);
                }
                return skipped;
            }

            private void count(long n) throws IOException {
                read += n;
                if (read > limits.maxExpandedBytes()) {
                    throw new LimitIOException(new LimitExceededException("",
                            LimitExceededException.Limit.EXPANDED_BYTES, limits.maxExpandedBytes(), read));
                }
                if (read > limits.ratioGraceBytes() && limits.maxExpansionRatio() != SizeLimits.UNLIMITED) {
                    long stored = Math.max(1, storedBytes.getAsLong());
                    if (read / stored > limits.maxExpansionRatio()) {
                        throw new LimitIOException(new LimitExceededException("",
                                LimitExceededException.Limit.EXPANSION_RATIO, limits.maxExpansionRatio(),
                                read / stored));
                    }
                }
            }
        };
    }
}
