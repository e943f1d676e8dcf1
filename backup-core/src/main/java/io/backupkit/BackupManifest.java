package io.backupkit;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Everything about one backup, stored as {@code manifest.json}, the last entry of its archive.
 *
 * @param formatVersion     the archive format version; readers refuse versions they do not know
 * @param id                the backup id: UTC time then a random suffix, so ids sort by time
 * @param createdAt         when the backup started
 * @param snapshotAt        the point in time the data reflects
 * @param source            the source database
 * @param libraryVersion    the backupkit version that wrote it
 * @param schemaFingerprint SHA-256 of the schema statements, equal for equal schemas
 * @param compression       how the archive is compressed
 * @param plan              the table order and foreign-key cycles
 * @param tables            each table with its row count and columns, in plan order
 * @param schema            every schema statement, by phase, as written to the schema entries
 * @param entries           every other entry of the archive, in archive order, with size and SHA-256
 * @param redactions        what was redacted
 * @param labels            free-form labels given when the backup was made
 * @param warnings          advice recorded during the backup (for example: not in WAL mode)
 * @param mediaMissing      media files that were listed at snapshot time but deleted before they
 *                          were read; they have no entry
 * @param mediaChanged      media files whose length when read differed from the length listed at
 *                          snapshot time; their entries hold the listed number of bytes (cut short,
 *                          or padded with zero bytes) and must not be trusted
 */
public record BackupManifest(int formatVersion, String id, Instant createdAt, Instant snapshotAt,
                             SourceInfo source, String libraryVersion, String schemaFingerprint,
                             Compression compression, BackupPlan plan, List<TableSummary> tables,
                             List<SchemaObject> schema, List<ManifestEntry> entries, List<RedactionRecord> redactions,
                             List<String> labels, List<String> warnings, List<String> mediaMissing,
                             List<MediaChange> mediaChanged) {

    /** The archive format version this library writes. */
    public static final int FORMAT_VERSION = 1;

    public BackupManifest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(snapshotAt, "snapshotAt");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(libraryVersion, "libraryVersion");
        Objects.requireNonNull(schemaFingerprint, "schemaFingerprint");
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(plan, "plan");
        tables = List.copyOf(tables);
        schema = List.copyOf(schema);
        entries = List.copyOf(entries);
        redactions = List.copyOf(redactions);
        labels = List.copyOf(labels);
        warnings = List.copyOf(warnings);
        mediaMissing = mediaMissing == null ? List.of() : List.copyOf(mediaMissing); // absent before media existed
        mediaChanged = mediaChanged == null ? List.of() : List.copyOf(mediaChanged);
    }

    /**
     * A media file that changed length between listing and reading.
     *
     * @param name       the file's name in the media source (its entry is {@code media/} + name)
     * @param listedSize the length listed at snapshot time, which is the entry's length
     * @param readSize   the length actually read
     */
    public record MediaChange(String name, long listedSize, long readSize) {
    }

    /** Total rows across all tables. */
    public long totalRows() {
        return tables.stream().mapToLong(TableSummary::rows).sum();
    }

    /** Total uncompressed size of the entries, media included. */
    public long totalEntryBytes() {
        return entries.stream().mapToLong(ManifestEntry::size).sum();
    }
}
