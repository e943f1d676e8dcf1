package io.backupkit.dialect.sqlite;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The wal-index header of a WAL-mode database, read from its {@code -shm} file: which WAL frames
 * make up the latest committed state ({@code frameCount}, the salts that mark this generation of
 * the WAL) and how many of them a checkpoint has already copied into the main file.
 *
 * <p>SQLite keeps two copies of the 48-byte header and updates them one after the other; a read
 * that finds them different raced a commit and is reported as absent. Two reads with equal
 * {@link #header()} bytes saw the same committed state: every commit changes the frame count, the
 * checksums or the salts. The file is in the machine's native byte order.
 *
 * @param header the 48 header bytes as stored
 * @param frameCount the number of valid frames ({@code mxFrame})
 * @param pages the size of the database in pages after the last commit ({@code nPage})
 * @param salt the two salts, as the WAL file stores them
 * @param backfilled the frames already copied into the main file ({@code nBackfill})
 */
record WalIndexHeader(byte[] header, int frameCount, int pages, byte[] salt, int backfilled) {

    private static final int HEADER_SIZE = 48;
    private static final int VERSION = 3007000;
    /** Reads of a header torn by a concurrent update before giving up. */
    private static final int TORN_READS = 5;

    /**
     * Reads the header of {@code database}'s {@code -shm} file; empty if there is none, if it is of
     * an unknown version, or if every read found it half-updated.
     */
    static Optional<WalIndexHeader> read(Path database, SqliteFileAccess access) throws IOException {
        Path shm = Path.of(database + "-shm");
        if (!Files.isRegularFile(shm)) {
            return Optional.empty();
        }
        byte[] bytes = new byte[2 * HEADER_SIZE + 8];
        RandomAccessFile file = access.open(shm);
        try {
            for (int attempt = 0; attempt < TORN_READS; attempt++) {
                synchronized (file) {
                    file.seek(0);
                    file.readFully(bytes);
                }
                ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
                byte[] first = Arrays.copyOfRange(bytes, 0, HEADER_SIZE);
                if (!Arrays.equals(first, Arrays.copyOfRange(bytes, HEADER_SIZE, 2 * HEADER_SIZE))) {
                    continue; // a writer is between the two copies
                }
                if (buffer.getInt(0) != VERSION || bytes[12] != 1) {
                    return Optional.empty();
                }
                return Optional.of(new WalIndexHeader(first, buffer.getInt(16), buffer.getInt(20),
                        Arrays.copyOfRange(first, 32, 40), buffer.getInt(2 * HEADER_SIZE)));
            }
            return Optional.empty();
        } catch (java.io.EOFException e) {
            return Optional.empty();
        } finally {
            access.release(file);
        }
    }

    /** Whether both reads saw the same committed state. */
    boolean sameStateAs(WalIndexHeader other) {
        return Arrays.equals(header, other.header);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WalIndexHeader h && Arrays.equals(header, h.header) && backfilled == h.backfilled;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(header);
    }

    @Override
    public String toString() {
        return "WalIndexHeader[frames=" + frameCount + ", backfilled=" + backfilled + "]";
    }
}
