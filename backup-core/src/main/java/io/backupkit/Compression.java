package io.backupkit;

import java.util.Objects;

/**
 * How an archive's tar stream is compressed.
 *
 * <pre>{@code
 * Compression.zstd(3)   // the default
 * Compression.gzip(6)
 * Compression.none()
 * }</pre>
 *
 * @param algorithm the algorithm
 * @param level     the level; ignored for {@link Algorithm#NONE}
 */
public record Compression(Algorithm algorithm, int level) {

    /** Supported algorithms, each with the file extension its archives carry. */
    public enum Algorithm {
        /** Zstandard, readable with {@code zstd -d}. */
        ZSTD(".tar.zst", 1, 22),
        /** gzip, readable with {@code gzip -d}. */
        GZIP(".tar.gz", 1, 9),
        /** A plain tar stream. */
        NONE(".tar", 0, 0);

        private final String extension;
        private final int minLevel;
        private final int maxLevel;

        Algorithm(String extension, int minLevel, int maxLevel) {
            this.extension = extension;
            this.minLevel = minLevel;
            this.maxLevel = maxLevel;
        }

        /** The archive file extension, for example {@code .tar.zst}. */
        public String extension() {
            return extension;
        }
    }

    public Compression {
        Objects.requireNonNull(algorithm, "algorithm");
        if (algorithm != Algorithm.NONE && (level < algorithm.minLevel || level > algorithm.maxLevel)) {
            throw new IllegalArgumentException(algorithm + " level must be between " + algorithm.minLevel
                    + " and " + algorithm.maxLevel + " but was " + level);
        }
    }

    /** Zstandard at the given level (1 to 22). */
    public static Compression zstd(int level) {
        return new Compression(Algorithm.ZSTD, level);
    }

    /** gzip at the given level (1 to 9). */
    public static Compression gzip(int level) {
        return new Compression(Algorithm.GZIP, level);
    }

    /** No compression. */
    public static Compression none() {
        return new Compression(Algorithm.NONE, 0);
    }

    /** Finds the compression whose archives end with the given file name's extension. */
    public static Algorithm forFileName(String fileName) {
        for (Algorithm a : Algorithm.values()) {
            if (a != Algorithm.NONE && fileName.endsWith(a.extension)) {
                return a;
            }
        }
        if (fileName.endsWith(Algorithm.NONE.extension)) {
            return Algorithm.NONE;
        }
        throw new IllegalArgumentException("not an archive name: " + fileName);
    }
}
