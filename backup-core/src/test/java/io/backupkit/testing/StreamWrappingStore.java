package io.backupkit.testing;

import io.backupkit.spi.Store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;

/**
 * A {@link Store} that hands everything to another store but passes each upload's stream through
 * {@link #wrap}: the base of test stores that fail, count or spy on writes. Commit, abort, close,
 * open, list, delete and replace go to the wrapped store unchanged.
 */
public abstract class StreamWrappingStore implements Store {

    private final Store delegate;

    protected StreamWrappingStore(Store delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** The stream an upload of {@code name} writes to, around the wrapped store's own stream. */
    protected abstract OutputStream wrap(String name, OutputStream out);

    /** The wrapped store. */
    protected Store delegate() {
        return delegate;
    }

    @Override
    public String description() {
        return delegate.description();
    }

    @Override
    public Upload upload(String name) throws IOException {
        return wrapped(name, delegate.upload(name));
    }

    @Override
    public Upload replace(String name) throws IOException {
        return wrapped(name, delegate.replace(name));
    }

    private Upload wrapped(String name, Upload upload) {
        OutputStream stream = wrap(name, upload.stream());
        return new Upload() {
            @Override
            public OutputStream stream() {
                return stream;
            }

            @Override
            public void commit() throws IOException {
                upload.commit();
            }

            @Override
            public void abort() {
                upload.abort();
            }

            @Override
            public void close() {
                upload.close();
            }
        };
    }

    @Override
    public InputStream open(String name) throws IOException {
        return delegate.open(name);
    }

    @Override
    public List<String> list() throws IOException {
        return delegate.list();
    }

    @Override
    public void delete(String name) throws IOException {
        delegate.delete(name);
    }
}
