package io.backupkit.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte array for building one archive entry. Unlike ByteArrayOutputStream it is not
 * synchronized and exposes its array, which matters on the per-value hot path.
 */
public final class ByteBuf {

    private byte[] bytes;
    private int length;

    /** A buffer with the given initial capacity. */
    public ByteBuf(int capacity) {
        bytes = new byte[Math.max(16, capacity)];
    }

    /** Appends bytes. */
    public void write(byte[] b) {
        write(b, 0, b.length);
    }

    /** Appends part of an array. */
    public void write(byte[] b, int offset, int len) {
        ensure(len);
        System.arraycopy(b, offset, bytes, length, len);
        length += len;
    }

    /** Appends one byte. */
    public void write(int b) {
        ensure(1);
        bytes[length++] = (byte) b;
    }

    /** Appends ASCII or UTF-8 text. */
    public void write(String text) {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    private void ensure(int more) {
        int needed = length + more;
        if (needed < 0) {
            throw new OutOfMemoryError("entry larger than 2 GiB");
        }
        if (needed > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(needed, bytes.length + (bytes.length >> 1)));
        }
    }

    /** The backing array; valid up to {@link #length()}. */
    public byte[] array() {
        return bytes;
    }

    /** Bytes written. */
    public int length() {
        return length;
    }

    /** Forgets the content, keeping the capacity. */
    public void clear() {
        length = 0;
    }
}
