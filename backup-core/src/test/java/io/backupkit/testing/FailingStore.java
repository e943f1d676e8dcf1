package io.backupkit.testing;

import io.backupkit.spi.Store;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * Wraps a {@link Store} so that every upload runs out of space: once more than {@code limit}
 * bytes in total have been written to one upload, its stream writes the bytes up to the limit and
 * then throws {@code IOException("No space left on device (simulated after N bytes)")}, and keeps
 * throwing. Everything else, commit and abort included, goes to the wrapped store unchanged, so a
 * caller that commits despite the failure is caught publishing a truncated object.
 *
 * <pre>{@code
 * Store full = new FailingStore(LocalFolderStore.at(folder), 1024 * 1024);
 * assertThatThrownBy(() -> backupsWritingTo(full).backup()).isInstanceOf(StorageException.class);
 * assertThat(full.list()).isEmpty();
 * }</pre>
 */
public final class FailingStore extends StreamWrappingStore {

    private final long limit;

    /**
     * @param delegate the store that receives the bytes up to the limit
     * @param limit how many bytes each upload accepts before it fails; zero fails the first byte
     */
    public FailingStore(Store delegate, long limit) {
        super(delegate);
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative but was " + limit);
        }
        this.limit = limit;
    }

    /** The message every simulated failure carries. */
    public String failureMessage() {
        return "No space left on device (simulated after " + limit + " bytes)";
    }

    @Override
    protected OutputStream wrap(String name, OutputStream out) {
        return new LimitedStream(out);
    }

    @Override
    public String toString() {
        return "FailingStore[" + description() + ", after " + limit + " bytes]";
    }

    /** Counts bytes per upload; like a full disk, it accepts what fits and then refuses everything. */
    private final class LimitedStream extends FilterOutputStream {
        private long written;

        LimitedStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            if (written >= limit) {
                throw new IOException(failureMessage());
            }
            out.write(b);
            written++;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, bytes.length);
            int fits = (int) Math.min(length, limit - written);
            if (fits > 0) {
                out.write(bytes, offset, fits);
                written += fits;
            }
            if (fits < length) {
                throw new IOException(failureMessage());
            }
        }
    }
}
