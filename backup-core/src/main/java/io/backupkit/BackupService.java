package io.backupkit;

import io.backupkit.internal.BackupRun;
import io.backupkit.internal.DialectResolver;
import io.backupkit.internal.RestoreRun;
import io.backupkit.spi.Dialect;
import io.backupkit.spi.MediaSource;
import io.backupkit.spi.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import javax.sql.DataSource;

/**
 * Backs up an application's database into a store: consistent, complete and compressed, while the
 * application keeps writing.
 *
 * <pre>{@code
 * BackupService backups = BackupService.builder()
 *     .dataSource(dataSource)
 *     .store(LocalFolderStore.at(Path.of("/var/backups/app")))
 *     .build();
 * BackupManifest manifest = backups.backup();
 * System.out.println("saved " + manifest.id() + " with " + manifest.totalRows() + " rows");
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe; concurrent backups get distinct ids and never
 * collide. Each backup borrows one connection from the data source for as long as it reads.
 */
public final class BackupService {

    private static final String LIBRARY_VERSION = readLibraryVersion();

    private final BackupRun.Config config;
    private final BackupCatalog catalog;
    /** Shared by every view of this service (see {@link #withIdentity}), so status sees all failures. */
    private final java.util.concurrent.atomic.AtomicReference<Failure> lastFailure;

    private record Failure(String message, java.time.Instant at) {
    }

    private BackupService(BackupRun.Config config, BackupCatalog catalog) {
        this(config, catalog, new java.util.concurrent.atomic.AtomicReference<>());
    }

    private BackupService(BackupRun.Config config, BackupCatalog catalog,
                          java.util.concurrent.atomic.AtomicReference<Failure> lastFailure) {
        this.config = config;
        this.catalog = catalog;
        this.lastFailure = lastFailure;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Takes a backup with default request settings. */
    public BackupManifest backup() {
        return backup(BackupRequest.defaults());
    }

    /**
     * Takes a backup. Returns once the archive and its sidecar are committed to the store; on any
     * failure nothing is listed and no temporary file is left.
     *
     * @throws SnapshotException     the database could not be read consistently
     * @throws StorageException      the store could not be written
     * @throws BackupException       any other failure, such as a redaction rule naming an unknown column
     */
    public BackupManifest backup(BackupRequest request) {
        Objects.requireNonNull(request, "request");
        try {
            return BackupRun.run(config, request);
        } catch (BackupException e) {
            lastFailure.set(new Failure(e.getMessage(), config.clock().instant()));
            throw e;
        }
    }

    /**
     * The newest backup and its age, how many backups the store keeps and their size, and this
     * service's last failure if it came after the newest success. Reads only sidecars.
     */
    public BackupStatus status() {
        List<BackupInfo> backups = catalog.list();
        BackupInfo last = backups.isEmpty() ? null : backups.get(backups.size() - 1);
        java.time.Instant now = config.clock().instant();
        Failure failure = lastFailure.get();
        if (failure != null && last != null && !failure.at().isAfter(last.createdAt())) {
            failure = null;
        }
        return new BackupStatus(last, last == null ? null : java.time.Duration.between(last.createdAt(), now),
                backups.size(), backups.stream().mapToLong(BackupInfo::sizeBytes).sum(),
                failure == null ? null : failure.message(), failure == null ? null : failure.at());
    }

    /**
     * What a full restore of the backup would change, table by table, computed by rebuilding the
     * backup into a temporary staging database and comparing; writes nothing to the live database
     * or the store.
     */
    public RestorePreview preview(String id) {
        return new RestoreRun(config, catalog).preview(id);
    }

    /**
     * Restores a backup over the live database: verifies every checksum, validates the schema,
     * rebuilds the data through a strict parser into a staging database beside the live one, checks
     * it, takes a {@code pre-restore} safety backup, then swaps atomically while the write gate holds
     * application writes.
     *
     * @throws InvalidArchiveException the archive is damaged, forged or not loadable; nothing changed
     */
    public RestoreResult restore(String id, RestoreOptions options) {
        return new RestoreRun(config, catalog).restore(id, options);
    }

    /**
     * Selective restore: merges whole tables, or chosen rows with their foreign-key descendants
     * (and any missing ancestors), from a backup into the live database, without deleting
     * anything else. Verified and staged like a full restore; applied in one transaction.
     */
    public SelectiveRestoreResult restoreSelected(String id, Selection selection) {
        return new RestoreRun(config, catalog).restoreSelected(id, selection);
    }

    /** Brings back the database as it was before the last restore (its {@code pre-restore} backup). */
    public RestoreResult undoLastRestore(RestoreOptions options) {
        return new RestoreRun(config, catalog).undoLastRestore(options);
    }

    /** Every complete backup in the store, oldest first. */
    public List<BackupInfo> list() {
        return catalog.list();
    }

    /** One backup's listing data. */
    public BackupInfo info(String id) {
        return catalog.info(id);
    }

    /** Checks every checksum of a stored backup. */
    public VerificationResult verify(String id) {
        return catalog.verify(id);
    }

    /** Checks a stored backup at the given depth; {@link VerifyDepth#DEEP} rebuilds it into a scratch database. */
    public VerificationResult verify(String id, VerifyDepth depth) {
        return catalog.verify(id, depth, config.dataSource());
    }

    /** Writes one plain SQL script that rebuilds the backed-up database. */
    public void exportSql(String id, OutputStream out) {
        catalog.exportSql(id, out);
    }

    /** Copies a stored backup to another store (for example an off-site copy); listed there once complete. */
    public void copy(String id, Store target) {
        catalog.copy(id, target);
    }

    /** Deletes a stored backup. */
    public void delete(String id) {
        catalog.delete(id);
    }

    /**
     * This service reading encrypted backups (verify, export, preview, restore, undo) with the
     * given age identity. The identity is held in memory by the returned view only; the original
     * service keeps none, so a host can keep its own old backups unreadable to itself.
     *
     * <pre>{@code
     * backups.withIdentity(AgeIdentity.fromFile(Path.of("/media/offline/key.txt"))).restore(id, options);
     * }</pre>
     */
    public BackupService withIdentity(AgeIdentity identity) {
        return new BackupService(config, catalog.withIdentity(identity), lastFailure);
    }

    /** The read-side operations, usable without a database. */
    public BackupCatalog catalog() {
        return catalog;
    }

    /** The dialect in use, registered or discovered. */
    public Dialect dialect() {
        return config.dialect();
    }

    /** The store in use. */
    public Store store() {
        return config.store();
    }

    /** The options in use. */
    public BackupOptions options() {
        return config.options();
    }

    /** This library's version, as recorded in manifests. */
    public static String libraryVersion() {
        return LIBRARY_VERSION;
    }

    private static String readLibraryVersion() {
        try (InputStream in = BackupService.class.getResourceAsStream("backupkit.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Builds a {@link BackupService}. Each setting may be given once; {@link #build()} checks that
     * the required ones are there and, when no dialect was registered, discovers it.
     */
    public static final class Builder {
        private DataSource dataSource;
        private Dialect dialect;
        private Store store;
        private BackupOptions options;
        private RedactionRules redaction;
        private ProgressListener listener;
        private Clock clock;
        private ClassLoader classLoader;
        private MediaSource mediaSource;
        private List<String> ageRecipients = List.of();
        private java.security.PrivateKey signingKey;
        private List<java.security.PublicKey> trustedKeys = List.of();
        private boolean allowUnsigned;

        private Builder() {
        }

        /** The database to back up (required). The application's own pool is fine. */
        public Builder dataSource(DataSource dataSource) {
            requireUnset(this.dataSource, "dataSource");
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            return this;
        }

        /** Registers the dialect explicitly; without it, one is discovered through ServiceLoader. */
        public Builder dialect(Dialect dialect) {
            requireUnset(this.dialect, "dialect");
            this.dialect = Objects.requireNonNull(dialect, "dialect");
            return this;
        }

        /** Where backups go (required). */
        public Builder store(Store store) {
            requireUnset(this.store, "store");
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** Tuning; {@link BackupOptions#defaults()} when not given. */
        public Builder options(BackupOptions options) {
            requireUnset(this.options, "options");
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /** What to leave out or mask; nothing when not given. */
        public Builder redaction(RedactionRules rules) {
            requireUnset(this.redaction, "redaction");
            this.redaction = Objects.requireNonNull(rules, "redaction");
            return this;
        }

        /** Receives every backup's progress. */
        public Builder progressListener(ProgressListener listener) {
            requireUnset(this.listener, "progressListener");
            this.listener = Objects.requireNonNull(listener, "progressListener");
            return this;
        }

        /** The clock for backup ids and times; the system UTC clock when not given. */
        public Builder clock(Clock clock) {
            requireUnset(this.clock, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Media files to copy into every backup, under {@code media/}, listed when the database
         * snapshot opens (optional; no media when not given). {@code pre-restore} safety backups
         * leave media out.
         */
        public Builder mediaSource(MediaSource mediaSource) {
            requireUnset(this.mediaSource, "mediaSource");
            this.mediaSource = Objects.requireNonNull(mediaSource, "mediaSource");
            return this;
        }

        /** Where to discover dialects; this library's class loader when not given. */
        public Builder classLoader(ClassLoader classLoader) {
            requireUnset(this.classLoader, "classLoader");
            this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
            return this;
        }

        /**
         * Encrypts every backup with age to all the given X25519 recipients ({@code age1...}), for
         * example the super-admin's key and an offline escrow key. The archive becomes
         * {@code ID.tar.zst.age}; reading it needs {@link BackupService#withIdentity(AgeIdentity)}.
         */
        public Builder encryptTo(List<String> agePublicKeys) {
            if (agePublicKeys.isEmpty()) {
                throw new IllegalArgumentException("encryptTo needs at least one age recipient");
            }
            io.backupkit.internal.ArchiveWriter.recipientWriters(agePublicKeys);
            this.ageRecipients = List.copyOf(agePublicKeys);
            return this;
        }

        /**
         * Signs every backup with this Ed25519 private key: the signature covers the backup id,
         * the archive's name, size and SHA-256, the encrypted flag and the manifest's SHA-256,
         * and is stored in the sidecar.
         */
        public Builder signWith(java.security.PrivateKey ed25519Key) {
            requireUnset(this.signingKey, "signingKey");
            io.backupkit.internal.Signatures.requireSigningKey(ed25519Key);
            this.signingKey = ed25519Key;
            return this;
        }

        /**
         * The Ed25519 public keys whose signatures are trusted when reading (several, for key
         * rotation). With any configured, unsigned and foreign-signed backups are refused; an
         * encrypted backup is refused without a trusted signature even when none are configured.
         */
        public Builder trustedKeys(List<java.security.PublicKey> keys) {
            this.trustedKeys = List.copyOf(keys);
            return this;
        }

        /** Reads unsigned and foreign-signed backups anyway (with a logged warning); off by default. */
        public Builder allowUnsigned(boolean allow) {
            this.allowUnsigned = allow;
            return this;
        }

        private static void requireUnset(Object current, String name) {
            if (current != null) {
                throw new IllegalStateException(name + " was already set to " + current);
            }
        }

        /**
         * Validates and builds the service.
         *
         * @throws IllegalStateException        a required setting is missing
         * @throws UnsupportedDatabaseException no dialect, or several, match the database
         */
        public BackupService build() {
            if (dataSource == null) {
                throw new IllegalStateException("dataSource is required: BackupService.builder().dataSource(...)");
            }
            if (store == null) {
                throw new IllegalStateException("store is required, for example "
                        + "BackupService.builder().store(LocalFolderStore.at(Path.of(\"backups\")))");
            }
            ClassLoader loader = classLoader != null ? classLoader : BackupService.class.getClassLoader();
            List<Dialect> discovered = DialectResolver.discover(loader);
            Dialect chosen = dialect != null ? dialect
                    : DialectResolver.choose(DialectResolver.describe(dataSource), discovered);
            List<Dialect> known = new java.util.ArrayList<>(List.of(chosen));
            discovered.stream().filter(d -> !d.name().equals(chosen.name())).forEach(known::add);
            BackupRun.Config config = new BackupRun.Config(dataSource, chosen, store,
                    options != null ? options : BackupOptions.defaults(),
                    redaction != null ? redaction : RedactionRules.none(),
                    listener != null ? listener : ProgressListener.none(),
                    clock != null ? clock : Clock.systemUTC(), LIBRARY_VERSION, mediaSource, ageRecipients, signingKey);
            return new BackupService(config, BackupCatalog.of(store, known).withTrustedKeys(trustedKeys)
                    .allowUnsigned(allowUnsigned));
        }
    }
}
