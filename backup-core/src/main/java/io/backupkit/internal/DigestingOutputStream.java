package io.backupkit.internal;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * Counts and hashes (SHA-256) what passes through to a store's stream. Closing it only flushes:
 * the store's upload owns the underlying stream.
 */
final class DigestingOutputStream extends FilterOutputStream {

    private final MessageDigest digest = Sha256.newDigest();
    private volatile long count;
    private String sha256;

    DigestingOutputStream(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        digest.update((byte) b);
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        digest.update(b, off, len);
        count += len;
    }

    @Override
    public void close() throws IOException {
        out.flush();
    }

    long count() {
        return count;
    }

    /**
     * The SHA-256 of everything written so far; once asked, the stream is complete and the answer
     * never changes ({@link MessageDigest#digest()} resets the digest, so it is taken only once).
     */
    String sha256() {
        if (sha256 == null) {
            sha256 = Sha256.hex(digest.digest());
        }
        return sha256;
    }
}
