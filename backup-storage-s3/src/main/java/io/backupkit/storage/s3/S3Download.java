package io.backupkit.storage.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.util.function.BiFunction;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * A streaming download that fails instead of ending early: a connection broken mid-body can
 * surface as a plain end of stream, so the bytes read are checked against the response's
 * Content-Length. Closing it before the end aborts the connection instead of reading the rest of a
 * large object just to reuse it.
 */
final class S3Download extends FilterInputStream {
    private final ResponseInputStream<GetObjectResponse> response;
    private final String name;
    private final String description;
    private final BiFunction<String, SdkException, IOException> failure;
    private final long expected;
    private long received;
    private boolean atEnd;

    S3Download(ResponseInputStream<GetObjectResponse> response, String name, String description,
               BiFunction<String, SdkException, IOException> failure) {
        super(response);
        this.response = response;
        this.name = name;
        this.description = description;
        this.failure = failure;
        Long length = response.response().contentLength();
        this.expected = length == null ? -1 : length;
    }

    @Override
    public int read() throws IOException {
        try {
            int b = super.read();
            if (b < 0) {
                reachedEnd();
            } else {
                received++;
            }
            return b;
        } catch (SdkException e) {
            throw failure.apply("Cannot read '" + name + "' from", e);
        }
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
        try {
            int n = super.read(bytes, offset, length);
            if (n < 0) {
                reachedEnd();
            } else {
                received += n;
            }
            return n;
        } catch (SdkException e) {
            throw failure.apply("Cannot read '" + name + "' from", e);
        }
    }

    private void reachedEnd() throws IOException {
        if (expected >= 0 && received != expected) {
            throw new IOException("The download of '" + name + "' from " + description + " ended after "
                    + received + " of " + expected + " bytes; the connection was broken");
        }
        atEnd = true;
    }

    @Override
    public void close() throws IOException {
        if (!atEnd) {
            response.abort();
        }
        super.close();
    }
}
