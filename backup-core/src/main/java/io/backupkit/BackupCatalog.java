package io.backupkit;

import io.backupkit.internal.ArchiveLayout;
import io.backupkit.internal.ArchiveReader;
import io.backupkit.internal.BackupIds;
import io.backupkit.internal.DialectResolver;
import io.backupkit.internal.Json;
import io.backupkit.internal.Sha256;
import io.backupkit.internal.Sidecar;
import io.backupkit.spi.Dialect;
import io.backupkit.spi.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import com.exceptionfactory.jagged.RecipientStanzaReader;
import io.backupkit.internal.Signatures;
import io.backupkit.internal.SizeLimiter;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-side operations on the backups in a store: list, verify and export. They need no database,
 * which is what an operator has when the application is down.
 *
 * <pre>{@code
 * BackupCatalog catalog = BackupCatalog.of(LocalFolderStore.at(Path.of("backups")));
 * for (BackupInfo b : catalog.list()) {
 *     System.out.println(b.id() + " " + catalog.verify(b.id()).ok());
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class BackupCatalog {

    private static final Logger LOG = LoggerFactory.getLogger(BackupCatalog.class);
    private static final int MAX_SIDECAR_BYTES = 1 << 20;
    private static final int MAX_MANIFEST_BYTES = 64 << 20;

    private final Store store;
    private final List<Dialect> dialects;
    private final AgeIdentity identity;
    private final List<PublicKey> trustedKeys;
    private final boolean allowUnsigned;
    private final ProgressListener progress;
    private final SizeLimits limits;

    private BackupCatalog(Store store, List<Dialect> dialects) {
        this(store, dialects, null, List.of(), false, ProgressListener.none(), SizeLimits.defaults());
    }

    private BackupCatalog(Store store, List<Dialect> dialects, AgeIdentity identity, List<PublicKey> trustedKeys,
                          boolean allowUnsigned, ProgressListener progress, SizeLimits limits) {
        this.store = Objects.requireNonNull(store, "store");
        this.dialects = List.copyOf(dialects);
        this.identity = identity;
        this.trustedKeys = List.copyOf(trustedKeys);
        this.allowUnsigned = allowUnsigned;
        this.progress = Objects.requireNonNull(progress, "progress");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /**
     * This catalog reporting the progress of every archive it reads (verify, manifest, export and
     * the staging of restores) to the listener: {@link Phase#VERIFY} with bytes read against the
     * archive's size, {@link Phase#STAGE} with rows loaded against the manifest's, {@link Phase#CHECK}
     * and, at the end of a {@code verify}, {@link Phase#DONE}. A thread interrupted while such a
     * catalog reads stops with a failure (how a cancelled job ends).
     *
     * <pre>{@code
     * catalog.withProgress(p -> bar.update(p.fraction())).verify(id, VerifyDepth.DEEP);
     * }</pre>
     */
    public BackupCatalog withProgress(ProgressListener listener) {
        return new BackupCatalog(store, dialects, identity, trustedKeys, allowUnsigned,
                Objects.requireNonNull(listener, "listener"), limits);
    }

    private void report(Progress p) {
        try {
            progress.onProgress(p);
        } catch (RuntimeException e) {
            LOG.warn("a progress listener failed: {}", e.toString());
        }
    }

    /**
     * This catalog reading encrypted backups with the given age identity, which stays in memory
     * only as long as the returned catalog is referenced.
     */
    public BackupCatalog withIdentity(AgeIdentity identity) {
        return new BackupCatalog(store, dialects, Objects.requireNonNull(identity, "identity"), trustedKeys,
                allowUnsigned, progress, limits);
    }

    /**
     * This catalog accepting backups signed by any of the given Ed25519 public keys (several keys
     * allow rotation). With trusted keys configured, every backup read (verify, export, manifest,
     * and so preview and restore) must carry a valid signature by one of them; an encrypted backup
     * must be signed even without them. Unsigned or foreign-signed backups fail verification.
     */
    public BackupCatalog withTrustedKeys(List<PublicKey> keys) {
        return new BackupCatalog(store, dialects, identity, keys, allowUnsigned, progress, limits);
    }

    /**
     * This catalog with signature checking turned off (true) or on (false, the default). Turned
     * off, unsigned and foreign-signed backups are read with a warning in the log.
     */
    public BackupCatalog allowUnsigned(boolean allow) {
        return new BackupCatalog(store, dialects, identity, trustedKeys, allow, progress, limits);
    }

    /**
     * This catalog reading under the given limits: the decompression-bomb guard
     * ({@link SizeLimits#maxExpandedBytes()}, {@link SizeLimits#maxExpansionRatio()}) applies to
     * every read, and {@link SizeLimits#maxUploadBytes()} to {@link #importBackup(InputStream, InputStream)}.
     * {@link SizeLimits#defaults()} when not set.
     */
    public BackupCatalog withLimits(SizeLimits limits) {
        return new BackupCatalog(store, dialects, identity, trustedKeys, allowUnsigned, progress,
                Objects.requireNonNull(limits, "limits"));
    }

    /** The limits in use. */
    public SizeLimits limits() {
        return limits;
    }

    /** A catalog over a store, using dialects discovered on the class path for exports. */
    public static BackupCatalog of(Store store) {
        return new BackupCatalog(store, DialectResolver.discover(BackupCatalog.class.getClassLoader()));
    }

    /** A catalog over a store with explicitly registered dialects. */
    public static BackupCatalog of(Store store, List<Dialect> dialects) {
        return new BackupCatalog(store, dialects);
    }

    /** The store. */
    public Store store() {
        return store;
    }

    /** Every complete backup in the store, oldest first. Reads only sidecars. */
    public List<BackupInfo> list() {
        List<String> names;
        try {
            names = store.list();
        } catch (IOException e) {
            throw new StorageException("listing store " + store.description() + " failed: " + e.getMessage(), e);
        }
        List<BackupInfo> backups = new ArrayList<>();
        for (String name : names) {
            if (!name.endsWith(Sidecar.SUFFIX)) {
                continue;
            }
            String id = name.substring(0, name.length() - Sidecar.SUFFIX.length());
            if (!BackupIds.isValid(id)) {
                continue;
            }
            try {
                backups.add(readSidecar(id));
            } catch (BackupNotFoundException e) {
                // deleted while listing
            } catch (InvalidArchiveException e) {
                LOG.warn("skipping backup {} in {}: {}", id, store.description(), e.getMessage());
            }
        }
        backups.sort(java.util.Comparator.comparing(BackupInfo::id));
        return List.copyOf(backups);
    }

    /** One backup's listing data. */
    public BackupInfo info(String id) {
        BackupIds.requireValid(id);
        return readSidecar(id);
    }

    private BackupInfo readSidecar(String id) {
        Sidecar sidecar = readFullSidecar(id);
        BackupInfo info = sidecar.backup();
        if (info.verification() != null && !trustedKeys.isEmpty()) {
            Sidecar.Signature signature = sidecar.verificationSignature();
            boolean valid = signature != null && Signatures.ALGORITHM.equals(signature.algorithm())
                    && Signatures.verify(trustedKeys, Signatures.verificationStatement(info, info.verification()),
                    signature.value());
            if (!valid) {
                LOG.warn("backup {}: its verification record is not signed by a trusted key; ignoring it", id);
                return info.withVerification(null);
            }
        }
        return info;
    }

    /**
     * Records a verification in the backup's sidecar, replacing the previous record: the sidecar is
     * rewritten atomically ({@link Store#replace(String)}), and its backup signature stays valid, since
     * it does not cover the record. With a signing key the record gets its own Ed25519 signature
     * (over the backup id, the archive's SHA-256 and the record); catalogs with trusted keys ignore
     * records without a valid one. A backup deleted meanwhile is not brought back.
     *
     * <pre>{@code
     * VerificationResult r = catalog.verify(id, VerifyDepth.DEEP);
     * catalog.recordVerification(id, BackupVerification.of(r, VerifyDepth.DEEP, Instant.now()), signingKey);
     * }</pre>
     *
     * @param signingKey an Ed25519 private key, or {@code null} for an unsigned record
     * @throws StorageException the store cannot replace objects or the write failed
     */
    public void recordVerification(String id, BackupVerification record, java.security.PrivateKey signingKey) {
        Objects.requireNonNull(record, "record");
        BackupIds.requireValid(id);
        Sidecar current = readFullSidecar(id);
        BackupInfo info = current.backup().withVerification(record);
        Sidecar.Signature signature = signingKey == null ? null : Signatures.signVerification(signingKey, info, record);
        byte[] json = Json.write(new Sidecar(current.sidecarVersion(), info, current.signature(), signature,
                current.manifest()));
        String name = Sidecar.objectName(id);
        boolean archiveThere = exists(info.archiveName());
        try (Store.Upload upload = store.replace(name)) {
            upload.stream().write(json);
            upload.commit();
        } catch (UnsupportedOperationException e) {
            throw new StorageException("store " + store.description() + " cannot replace objects, so the "
                    + "verification of backup " + id + " is not recorded", e);
        } catch (IOException e) {
            throw new StorageException("recording the verification of backup " + id + " in " + store.description()
                    + " failed: " + e.getMessage(), e);
        }
        // A delete (retention, another process) between the read and the write would be undone by the
        // rewritten sidecar: take it away again if the archive, there before, is gone now.
        if (archiveThere && !exists(info.archiveName())) {
            try {
                store.delete(name);
                LOG.info("backup {} was deleted while its verification was recorded", id);
            } catch (IOException cleanup) {
                LOG.warn("backup {} was deleted while its verification was recorded; removing the sidecar failed: {}",
                        id, cleanup.getMessage());
            }
        }
    }

    /** Whether the store lists the object (a listing, so that no archive is downloaded to find out). */
    private boolean exists(String name) {
        try {
            return store.list().contains(name);
        } catch (IOException e) {
            return true; // unknown: do not act on it
        }
    }

    private Sidecar readFullSidecar(String id) {
        byte[] json;
        try (InputStream in = store.open(Sidecar.objectName(id))) {
            json = in.readNBytes(MAX_SIDECAR_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new BackupNotFoundException("no backup " + id + " in store " + store.description());
        } catch (IOException e) {
            throw new StorageException("reading the sidecar of backup " + id + " from " + store.description()
                    + " failed: " + e.getMessage(), e);
        }
        return parseSidecar(id, json);
    }

    /** Parses and checks a sidecar; {@code id} null accepts any valid id (an upload). */
    private static Sidecar parseSidecar(String id, byte[] json) {
        String what = id == null ? "the uploaded sidecar" : "the sidecar of backup " + id;
        if (json.length > MAX_SIDECAR_BYTES) {
            throw new InvalidArchiveException(what + " is larger than 1 MiB");
        }
        try {
            Sidecar sidecar = Json.read(json, Sidecar.class);
            if (sidecar == null || sidecar.backup() == null || sidecar.backup().id() == null
                    || sidecar.backup().archiveName() == null) {
                throw new InvalidArchiveException(what + " lacks the backup's id or archive name");
            }
            if (id == null) {
                if (!BackupIds.isValid(sidecar.backup().id())) {
                    throw new InvalidArchiveException(what + " holds an invalid backup id");
                }
                id = sidecar.backup().id();
                what = "the uploaded sidecar of backup " + id;
            }
            if (sidecar.sidecarVersion() != Sidecar.VERSION || !id.equals(sidecar.backup().id())) {
                throw new InvalidArchiveException("the sidecar of backup " + id + " has version "
                        + sidecar.sidecarVersion() + " and id " + sidecar.backup().id());
            }
            if (sidecar.backup().encrypted() != sidecar.backup().archiveName().endsWith(ArchiveLayout.AGE_SUFFIX)) {
                throw new InvalidArchiveException("the sidecar of backup " + id + " says encrypted="
                        + sidecar.backup().encrypted() + " for archive " + sidecar.backup().archiveName());
            }
            return sidecar;
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidArchiveException invalid) {
                throw invalid;
            }
            throw new InvalidArchiveException(what + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Reads the whole archive and checks the archive's SHA-256 against the sidecar, and every
     * entry's size and SHA-256 against the manifest. Problems are returned, not thrown; a store
     * that cannot be read throws {@link StorageException}.
     */
    public VerificationResult verify(String id) {
        VerificationResult result = scan(id, null).result;
        report(new Progress(Phase.DONE, null, 0, 0, 0));
        return result;
    }

    /**
     * Verifies a backup at the given depth. {@link VerifyDepth#DEEP} needs the backup's dialect
     * (registered or on the class path) and a temporary folder for the scratch database, which is
     * deleted afterwards.
     */
    public VerificationResult verify(String id, VerifyDepth depth) {
        return verify(id, depth, null);
    }

    /**
     * Like {@link #verify(String, VerifyDepth)}, with the database a dialect may build its scratch
     * copy in: a server database such as PostgreSQL rebuilds the backup there, in a transaction
     * that is rolled back; a file database such as SQLite still uses a temporary file.
     *
     * @param database the database the backups come from, or {@code null} when there is none
     */
    public VerificationResult verify(String id, VerifyDepth depth, javax.sql.DataSource database) {
        Scan quickScan = scan(id, null);
        VerificationResult quick = quickScan.result;
        if (depth == VerifyDepth.QUICK || !quick.ok()) {
            report(new Progress(Phase.DONE, null, 0, 0, 0));
            return quick;
        }
        BackupManifest manifest = quickScan.manifest;
        Dialect dialect = dialects.stream().filter(d -> d.name().equals(manifest.source().dialect())).findFirst()
                .orElseThrow(() -> new UnsupportedDatabaseException("backup " + id + " is a "
                        + manifest.source().dialect() + " backup and no such dialect is available for a deep verify"));
        io.backupkit.spi.Restorer restorer = dialect.restorer().orElseThrow(() -> new BackupException("the "
                + dialect.name() + " dialect cannot rebuild backups, so it cannot verify them deeply"));
        List<String> problems = new ArrayList<>();
        try {
            restorer.validateSchema(manifest);
            try (io.backupkit.spi.Staging staging = restorer.openStaging(database, manifest, false,
                    java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))) {
                forEachEntry(id, manifest, staging::load);
                report(new Progress(Phase.CHECK, null, manifest.totalRows(), manifest.totalRows(), 0));
                staging.commitLoaded();
                io.backupkit.internal.ContentChecksum.Running content =
                        io.backupkit.internal.ContentChecksum.start(staging, manifest);
                List<String> found;
                try {
                    found = staging.complete();
                } catch (Exception | Error e) {
                    content.abandon();
                    throw e;
                }
                if (found.isEmpty()) {
                    problems.addAll(content.await());
                } else {
                    content.abandon(); // the staged database is unsound already
                    problems.addAll(found);
                }
            }
        } catch (InvalidArchiveException e) {
            problems.add(e.getMessage());
        } catch (BackupException e) {
            throw e;
        } catch (Exception e) {
            throw new BackupException("deep verification of backup " + id + " failed: " + e.getMessage(), e);
        }
        report(new Progress(Phase.DONE, null, 0, 0, 0));
        return new VerificationResult(id, problems.isEmpty(), problems, quick.entriesChecked());
    }

    /** The manifest of a backup, after verifying the whole archive. */
    public BackupManifest manifest(String id) {
        Scan scan = scan(id, null);
        requireOk(scan.result);
        return scan.manifest;
    }

    /**
     * The manifest of a backup, for a caller that then reads the entries with
     * {@link #forEachEntry}, which checks every entry's size, SHA-256 and order as it streams it,
     * then the archive's own {@code manifest.json} against this manifest and the archive's size and
     * SHA-256 against the sidecar. Callers write only to staging before {@code forEachEntry} has
     * returned (restores, previews, deep verifications).
     *
     * <p>When the sidecar carries a copy of the manifest, the copy is checked here (format, id,
     * numbers, signature) and the archive is read only once, by {@code forEachEntry}. Otherwise
     * (encrypted backups, very large manifests, older sidecars) the whole archive is read first to
     * get its manifest, leaving the entries' own SHA-256 to {@code forEachEntry}.
     */
    public BackupManifest manifestForStreaming(String id) {
        BackupIds.requireValid(id);
        Sidecar sidecar = readFullSidecar(id);
        if (sidecar.manifest() != null && !sidecar.backup().encrypted()) {
            // The archive itself is verified while it loads; the phase is still reported.
            report(new Progress(Phase.VERIFY, null, 0, 0, 0, sidecar.backup().sizeBytes()));
            byte[] json = sidecar.manifest().getBytes(StandardCharsets.UTF_8);
            List<String> problems = new ArrayList<>();
            BackupManifest manifest = null;
            try {
                manifest = Json.read(json, BackupManifest.class);
            } catch (IOException | RuntimeException e) {
                problems.add("the sidecar's copy of manifest.json is not a valid manifest: " + e.getMessage());
            }
            if (manifest != null) {
                checkManifestAlone(id, manifest, problems);
                checkSignature(sidecar, Sha256.of(json, 0, json.length), problems);
            }
            requireOk(new VerificationResult(id, problems.isEmpty(), problems, 0));
            return manifest;
        }
        Scan scan = scan(id, null, false);
        requireOk(scan.result);
        return scan.manifest;
    }

    /**
     * Writes one plain SQL script that the database's own client loads into an identical database
     * (for SQLite: {@code sqlite3 new.db < script.sql}). The archive is verified completely
     * before the first byte is written, and checked again while it is copied.
     */
    public void exportSql(String id, OutputStream out) {
        Scan first = scan(id, null);
        requireOk(first.result);
        Dialect dialect = dialects.stream().filter(d -> d.name().equals(first.manifest.source().dialect()))
                .findFirst().orElse(null);
        try {
            out.write((dialect == null ? "BEGIN;\n" : dialect.scriptPrologue()).getBytes(StandardCharsets.UTF_8));
            Scan second = scan(id, out);
            if (!second.result.ok() || !first.manifest.equals(second.manifest)) {
                throw new InvalidArchiveException("backup " + id + " changed while it was exported: "
                        + second.result.problems());
            }
            out.write((dialect == null ? "COMMIT;\n" : dialect.scriptEpilogue()).getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new StorageException("writing the SQL export of backup " + id + " failed: " + e.getMessage(), e);
        }
    }

    /** Receives one verified entry's content during {@link #forEachEntry}. */
    @FunctionalInterface
    public interface EntryConsumer {
        /**
         * Called once per SQL entry, in archive (load) order; the stream is valid only during the
         * call. Media entries are checked but not passed on.
         */
        void accept(ManifestEntry entry, InputStream content) throws Exception;
    }

    /**
     * Streams every SQL entry of a backup, in order, to the consumer (media entries are checked
     * but skipped), checking each entry's size and
     * SHA-256 against the manifest as it goes. Call it with a manifest from {@link #manifest(String)},
     * which has already verified the whole archive; the second check catches an archive that
     * changed in between. A mismatch throws {@link InvalidArchiveException} naming the entry, after
     * the consumer has seen its bytes, so consumers write only to staging.
     */
    public void forEachEntry(String id, BackupManifest manifest, EntryConsumer consumer) {
        forEachEntry(id, manifest, consumer, false);
    }

    /**
     * As {@link #forEachEntry}, but passes on the media entries (names starting with
     * {@code media/}) and checks the SQL entries without passing them on. A media entry's
     * SHA-256 is checked after the consumer has read it, so a consumer writes to a temporary
     * place first and keeps it only when this method returns normally, or deletes what it wrote.
     */
    public void forEachMediaEntry(String id, BackupManifest manifest, EntryConsumer consumer) {
        forEachEntry(id, manifest, consumer, true);
    }

    private void forEachEntry(String id, BackupManifest manifest, EntryConsumer consumer, boolean media) {
        BackupInfo info = info(id);
        Map<String, ManifestEntry> expected = new LinkedHashMap<>();
        manifest.entries().forEach(e -> expected.put(e.name(), e));
        Compression.Algorithm algorithm = algorithm(info);
        long rowsTotal = manifest.totalRows();
        long[] rowsBefore = new long[1];
        long[] bytesBefore = new long[1];
        try (InputStream raw = store.open(info.archiveName());
             InputStream in = new io.backupkit.internal.ProgressInputStream(raw, Long.MAX_VALUE, n -> { })) {
            report(new Progress(Phase.STAGE, null, 0, rowsTotal, 0));
            boolean[] manifestSeen = new boolean[1];
            ArchiveReader.Digests digests = ArchiveReader.read(in, algorithm, readers(info), limits, (name, size, content) -> {
                if (name.equals(ArchiveLayout.MANIFEST)) {
                    manifestSeen[0] = true;
                    requireSameManifest(id, info.archiveName(), manifest, content);
                    return;
                }
                if (manifestSeen[0]) {
                    throw new InvalidArchiveException("backup " + id + ": entry '" + name + "' follows manifest.json");
                }
                String next = expected.isEmpty() ? null : expected.keySet().iterator().next();
                ManifestEntry entry = expected.remove(name);
                if (entry == null) {
                    throw new InvalidArchiveException("backup " + id + ": entry '" + name + "' is not in the manifest");
                }
                if (!name.equals(next)) {
                    throw new InvalidArchiveException("backup " + id + ": entry '" + name + "' is out of order; the "
                            + "manifest lists '" + next + "' first");
                }
                MessageDigest digest = Sha256.newDigest();
                long[] count = new long[1];
                long entryRows = entry.rows();
                long entrySize = Math.max(1, entry.size());
                String entryTable = entry.table();
                InputStream counted = new io.backupkit.internal.ProgressInputStream(content, 1 << 20,
                        n -> report(new Progress(Phase.STAGE, entryTable,
                                rowsBefore[0] + Math.min(entryRows, entryRows * n / entrySize), rowsTotal, bytesBefore[0] + n)));
                InputStream checked = new java.io.FilterInputStream(counted) {
                    @Override
                    public int read() throws IOException {
                        int b = super.read();
                        if (b >= 0) {
                            digest.update((byte) b);
                            count[0]++;
                        }
                        return b;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = super.read(b, off, len);
                        if (n > 0) {
                            digest.update(b, off, n);
                            count[0] += n;
                        }
                        return n;
                    }
                };
                try {
                    if ((entry.kind() == ManifestEntry.Kind.MEDIA) == media) {
                        try {
                            consumer.accept(entry, checked);
                        } catch (Exception e) {
                            // A damaged entry is reported as damaged, not as whatever its bytes made
                            // the consumer trip over (a duplicate key, a parse error). A cancelled
                            // load has nothing to diagnose.
                            if (!Thread.currentThread().isInterrupted() && !(e instanceof java.io.InterruptedIOException)) {
                                try {
                                    requireIntact(id, info.archiveName(), entry, checked, count, digest, e);
                                } catch (IOException unreadable) {
                                    e.addSuppressed(unreadable); // the store failed: the consumer's failure stands
                                }
                            }
                            throw e;
                        }
                    }
                } catch (InvalidArchiveException e) {
                    if (e.getMessage() != null && e.getMessage().contains(id)) {
                        throw e;
                    }
                    throw new InvalidArchiveException("backup " + id + ": " + e.getMessage(), e);
                } catch (IOException | RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new BackupException("backup " + id + ": loading entry '" + name + "' failed: " + e.getMessage(), e);
                }
                requireIntact(id, info.archiveName(), entry, checked, count, digest, null);
                rowsBefore[0] += entryRows;
                bytesBefore[0] += count[0];
                report(new Progress(Phase.STAGE, entryTable, rowsBefore[0], rowsTotal, bytesBefore[0]));
            });
            if (!expected.isEmpty()) {
                throw new InvalidArchiveException("backup " + id + ": entries missing from the archive: "
                        + expected.keySet());
            }
            if (!manifestSeen[0]) {
                throw new InvalidArchiveException("backup " + id + ": manifest.json is missing: the archive is "
                        + "truncated or not a backupkit archive");
            }
            if (digests.archiveSize() != info.sizeBytes() || !digests.archiveSha256().equals(info.archiveSha256())) {
                throw new InvalidArchiveException("backup " + id + ": archive " + info.archiveName() + " ("
                        + digests.archiveSize() + " bytes, SHA-256 " + digests.archiveSha256() + ") differs from the "
                        + "sidecar's record (" + info.sizeBytes() + " bytes, SHA-256 " + info.archiveSha256() + ")");
            }
        } catch (ArchiveReader.NotARecipientException e) {
            throw notARecipient(id);
        } catch (SizeLimiter.LimitIOException e) {
            throw limitExceeded(id, e);
        } catch (NoSuchFileException e) {
            throw new InvalidArchiveException("backup " + id + ": archive " + info.archiveName() + " is missing");
        } catch (ArchiveReader.DamagedArchiveException e) {
            throw new InvalidArchiveException("backup " + id + ": archive " + info.archiveName() + " is damaged"
                    + (e.entry() == null ? "" : " at entry '" + e.entry() + "'") + ": " + e.getMessage(), e);
        } catch (IOException e) {
            if (SizeLimiter.limitExceeded(e) != null) {
                throw limitExceeded(id, e);
            }
            throw new StorageException("reading backup " + id + " from " + store.description() + " failed: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Reads the rest of an entry and throws an {@link InvalidArchiveException} naming it when its
     * size or SHA-256 differs from the manifest; {@code cause} is the consumer's failure, if any.
     */
    private static void requireIntact(String id, String archiveName, ManifestEntry entry, InputStream checked,
                                      long[] count, MessageDigest digest, Exception cause) throws IOException {
        checked.transferTo(java.io.OutputStream.nullOutputStream());
        if (count[0] != entry.size() || !Sha256.hex(digest.digest()).equals(entry.sha256())) {
            throw new InvalidArchiveException("backup " + id + ": entry '" + entry.name() + "' of archive "
                    + archiveName + " differs from the manifest (size or SHA-256)", cause);
        }
    }

    /** The archive's own manifest.json, read last, must be the manifest the loading followed. */
    private static void requireSameManifest(String id, String archiveName, BackupManifest expected, InputStream content)
            throws IOException {
        byte[] json = content.readNBytes(MAX_MANIFEST_BYTES + 1);
        BackupManifest actual = null;
        List<String> problems = new ArrayList<>();
        if (json.length > MAX_MANIFEST_BYTES) {
            problems.add("manifest.json is larger than 64 MiB");
        } else {
            try {
                actual = Json.read(json, BackupManifest.class);
                checkManifestAlone(id, actual, problems);
            } catch (IOException | RuntimeException e) {
                problems.add("manifest.json is not a valid manifest: " + e.getMessage());
            }
        }
        if (!expected.equals(actual)) {
            throw new InvalidArchiveException("backup " + id + ": manifest.json of archive " + archiveName
                    + " differs from the manifest it was checked against (the sidecar's copy, or an earlier read of the archive)"
                    + (problems.isEmpty() ? "" : "; in the archive's manifest.json: " + String.join("; ", problems)));
        }
    }

    /**
     * Copies a backup to another store, for example an off-site S3 copy of a local backup. The
     * archive is streamed, its SHA-256 checked against the sidecar on the way, and the sidecar
     * written last, so the copy is listed only once it is complete and intact; on any failure the
     * target is left without it.
     */
    public void copy(String id, Store target) {
        Objects.requireNonNull(target, "target");
        BackupInfo info = info(id);
        byte[] sidecar;
        try (InputStream in = store.open(Sidecar.objectName(id))) {
            sidecar = in.readNBytes(MAX_SIDECAR_BYTES);
        } catch (IOException e) {
            throw new StorageException("reading the sidecar of backup " + id + " failed: " + e.getMessage(), e);
        }
        try (InputStream in = store.open(info.archiveName());
             Store.Upload archive = target.upload(info.archiveName())) {
            MessageDigest digest = Sha256.newDigest();
            byte[] buffer = new byte[256 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
                archive.stream().write(buffer, 0, n);
                total += n;
            }
            String sha = Sha256.hex(digest.digest());
            if (total != info.sizeBytes() || !sha.equals(info.archiveSha256())) {
                throw new InvalidArchiveException("backup " + id + " in " + store.description()
                        + " does not match its sidecar (SHA-256 " + sha + ", " + total + " bytes); it was not copied");
            }
            archive.commit();
        } catch (IOException e) {
            throw new StorageException("copying backup " + id + " to " + target.description() + " failed: "
                    + e.getMessage(), e);
        }
        try (Store.Upload side = target.upload(Sidecar.objectName(id))) {
            side.stream().write(sidecar);
            side.commit();
        } catch (IOException | RuntimeException e) {
            try {
                target.delete(info.archiveName());
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new StorageException("writing the sidecar of backup " + id + " to " + target.description()
                    + " failed, so the copied archive was removed: " + e.getMessage(), e);
        }
    }

    /** Deletes a backup: the sidecar first, so that it is never listed without its archive. */
    public void delete(String id) {
        BackupInfo info = info(id);
        try {
            store.delete(Sidecar.objectName(id));
            store.delete(info.archiveName());
        } catch (IOException e) {
            throw new StorageException("deleting backup " + id + " from " + store.description() + " failed: "
                    + e.getMessage(), e);
        }
    }

    private void requireOk(VerificationResult result) {
        if (!result.ok() && result.problems().stream().anyMatch(Signatures::isRefusal)) {
            throw new SignatureException("backup " + result.id() + " failed verification: "
                    + String.join("; ", result.problems()));
        }
        if (!result.ok()) {
            throw new InvalidArchiveException("backup " + result.id() + " failed verification: "
                    + String.join("; ", result.problems()));
        }
    }

    private record Scan(VerificationResult result, BackupManifest manifest) {
    }

    private record EntryDigest(long size, String sha256) {
    }

    /** One pass over the archive; when {@code sqlOut} is given, SQL entries are copied to it in order. */
    private Scan scan(String id, OutputStream sqlOut) {
        return scan(id, sqlOut, true);
    }

    private Scan scan(String id, OutputStream sqlOut, boolean entryDigests) {
        BackupIds.requireValid(id);
        Sidecar sidecar = readFullSidecar(id);
        BackupInfo info = sidecar.backup();
        Compression.Algorithm algorithm = algorithm(info);
        List<RecipientStanzaReader> readers = readers(info);
        long archiveSize = info.sizeBytes();
        report(new Progress(Phase.VERIFY, null, 0, 0, 0, archiveSize));
        try (InputStream raw = store.open(info.archiveName());
             InputStream in = new io.backupkit.internal.ProgressInputStream(raw, 1 << 20,
                     n -> report(new Progress(Phase.VERIFY, null, 0, 0, n, archiveSize)))) {
            return scan(sidecar, in, algorithm, readers, sqlOut, entryDigests);
        } catch (NoSuchFileException e) {
            return new Scan(new VerificationResult(id, false,
                    List.of("archive " + info.archiveName() + " is missing from the store"), 0), null);
        } catch (IOException e) {
            throw new StorageException("reading backup " + id + " from " + store.description() + " failed: "
                    + e.getMessage(), e);
        }
    }

    /** One pass over an archive's bytes, checked against its sidecar. */
    private Scan scan(Sidecar sidecar, InputStream in, Compression.Algorithm algorithm,
                      List<RecipientStanzaReader> readers, OutputStream sqlOut) {
        return scan(sidecar, in, algorithm, readers, sqlOut, true);
    }

    private Scan scan(Sidecar sidecar, InputStream in, Compression.Algorithm algorithm,
                      List<RecipientStanzaReader> readers, OutputStream sqlOut, boolean entryDigests) {
        BackupInfo info = sidecar.backup();
        String id = info.id();
        List<String> problems = new ArrayList<>();
        Map<String, EntryDigest> seen = new LinkedHashMap<>();
        byte[][] manifestJson = new byte[1][];
        try {
            ArchiveReader.Digests digests = ArchiveReader.read(in, algorithm, readers, limits, (name, size, content) -> {
                if (manifestJson[0] != null) {
                    problems.add("entry '" + name + "' follows manifest.json");
                }
                if (seen.containsKey(name)) {
                    problems.add("entry '" + name + "' appears twice");
                }
                if (name.equals(ArchiveLayout.MANIFEST)) {
                    byte[] json = content.readNBytes(MAX_MANIFEST_BYTES + 1);
                    if (json.length > MAX_MANIFEST_BYTES) {
                        problems.add("manifest.json is larger than 64 MiB");
                    } else {
                        manifestJson[0] = json;
                    }
                    return;
                }
                MessageDigest digest = entryDigests ? Sha256.newDigest() : null;
                byte[] buffer = new byte[64 * 1024];
                long total = 0;
                int n;
                while ((n = content.read(buffer)) > 0) {
                    if (digest != null) {
                        digest.update(buffer, 0, n);
                    }
                    total += n;
                    if (sqlOut != null && name.startsWith(ArchiveLayout.SQL_PREFIX)) {
                        sqlOut.write(buffer, 0, n);
                    }
                }
                seen.put(name, new EntryDigest(total, digest == null ? null : Sha256.hex(digest.digest())));
            });
            if (!digests.archiveSha256().equals(info.archiveSha256())) {
                problems.add(0, "archive " + info.archiveName() + ": SHA-256 " + digests.archiveSha256()
                        + " differs from the sidecar's " + info.archiveSha256());
            }
            if (digests.archiveSize() != info.sizeBytes()) {
                problems.add(0, "archive " + info.archiveName() + ": " + digests.archiveSize()
                        + " bytes but the sidecar records " + info.sizeBytes());
            }
        } catch (ArchiveReader.NotARecipientException e) {
            throw notARecipient(id);
        } catch (SizeLimiter.LimitIOException e) {
            throw limitExceeded(id, e);
        } catch (ArchiveReader.DamagedArchiveException e) {
            problems.add("archive " + info.archiveName() + " is damaged"
                    + (e.entry() == null ? "" : " at entry '" + e.entry() + "'") + ": " + e.getMessage());
            return new Scan(new VerificationResult(id, false, problems, seen.size()), null);
        } catch (IOException e) {
            if (SizeLimiter.limitExceeded(e) != null) {
                throw limitExceeded(id, e);
            }
            if (sqlOut != null && !(e instanceof ArchiveReader.StoreReadException)) {
                throw new StorageException("writing the SQL export of backup " + id + " failed: " + e.getMessage(), e);
            }
            throw new StorageException("reading backup " + id + " from " + store.description() + " failed: "
                    + e.getMessage(), e);
        }
        BackupManifest manifest = null;
        if (manifestJson[0] == null) {
            problems.add("manifest.json is missing: the archive is truncated or not a backupkit archive");
        } else {
            try {
                manifest = Json.read(manifestJson[0], BackupManifest.class);
            } catch (IOException | RuntimeException e) {
                problems.add("manifest.json is not a valid manifest: " + e.getMessage());
            }
        }
        if (manifest != null) {
            checkManifest(id, manifest, seen, problems);
            checkSignature(sidecar, Sha256.of(manifestJson[0], 0, manifestJson[0].length), problems);
            if (sidecar.manifest() != null && !info.encrypted() && !java.util.Arrays.equals(manifestJson[0],
                    sidecar.manifest().getBytes(StandardCharsets.UTF_8))) {
                // a restore would follow the copy and then refuse the archive
                problems.add("the sidecar's copy of manifest.json differs from the archive's manifest.json");
            }
        }
        return new Scan(new VerificationResult(id, problems.isEmpty(), problems, seen.size()), manifest);
    }

    private static LimitExceededException limitExceeded(String id, IOException e) {
        LimitExceededException limit = SizeLimiter.limitExceeded(e);
        LimitExceededException thrown = new LimitExceededException("backup " + id + ": ", limit.limit(),
                limit.maximum(), limit.observed());
        return thrown;
    }

    /**
     * Imports a backup from outside (for example an upload for a restore) into the store, under
     * {@link SizeLimits#maxUploadBytes()}. See {@link #importBackup(InputStream, InputStream, long)}.
     */
    public BackupInfo importBackup(InputStream sidecarJson, InputStream archive) {
        return importBackup(sidecarJson, archive, limits.maxUploadBytes());
    }

    /**
     * Imports a backup from outside into the store: its sidecar ({@code ID.json}, which holds the
     * signature) and its archive ({@code ID.tar.zst[.age]}), streamed, never buffered whole.
     *
     * <p>The archive is stored only when it is complete and every check passes while it streams:
     * at most {@code maxBytes} bytes (refused up front when the sidecar declares more), its size
     * and SHA-256 equal to the sidecar's, decryption with this catalog's identity, every entry
     * against the manifest, the decompression-bomb guard, and the signature policy (trusted keys;
     * an encrypted backup must be signed). Only then is the archive committed and the sidecar
     * written, so the backup is listed once it is whole; on any failure nothing is listed and no
     * partial upload is left. A backup with the same id already in the store is refused.
     *
     * <pre>{@code
     * BackupInfo info = catalog.withIdentity(identity).importBackup(sidecarUpload, archiveUpload, 512L << 20);
     * RestorePreview preview = service.withIdentity(identity).preview(info.id());
     * }</pre>
     *
     * @return the imported backup's listing data
     * @throws LimitExceededException  the upload is larger than {@code maxBytes}, or expands too much
     * @throws InvalidArchiveException the sidecar or archive is damaged, forged or unsigned
     * @throws WrongKeyException       the archive is encrypted and this catalog has no fitting identity
     */
    public BackupInfo importBackup(InputStream sidecarJson, InputStream archive, long maxBytes) {
        Objects.requireNonNull(sidecarJson, "sidecarJson");
        Objects.requireNonNull(archive, "archive");
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be at least 1 but was " + maxBytes);
        }
        byte[] json;
        try {
            json = sidecarJson.readNBytes(MAX_SIDECAR_BYTES + 1);
        } catch (IOException e) {
            throw new StorageException("reading the uploaded sidecar failed: " + e.getMessage(), e);
        }
        Sidecar sidecar = parseSidecar(null, json);
        BackupInfo info = sidecar.backup();
        String id = info.id();
        Compression.Algorithm algorithm = algorithm(info);
        String expectedName = id + algorithm.extension() + (info.encrypted() ? ArchiveLayout.AGE_SUFFIX : "");
        if (!info.archiveName().equals(expectedName)) {
            throw new InvalidArchiveException("the uploaded sidecar of backup " + id + " names archive '"
                    + info.archiveName() + "'; expected '" + expectedName + "'");
        }
        if (info.sizeBytes() > maxBytes) {
            throw new LimitExceededException("import of backup " + id + ": ", LimitExceededException.Limit.UPLOAD_BYTES,
                    maxBytes, info.sizeBytes());
        }
        List<RecipientStanzaReader> readers = readers(info);
        try {
            List<String> names = store.list();
            if (names.contains(Sidecar.objectName(id)) || names.contains(info.archiveName())) {
                throw new BackupException("backup " + id + " is already in store " + store.description()
                        + "; it was not imported again");
            }
        } catch (IOException e) {
            throw new StorageException("listing store " + store.description() + " failed: " + e.getMessage(), e);
        }
        long started = System.nanoTime();
        try (Store.Upload upload = store.upload(info.archiveName())) {
            InputStream tee = new UploadTee(archive, upload.stream(), maxBytes);
            Scan scan = scan(sidecar, tee, algorithm, readers, null);
            if (!scan.result().ok()) {
                throw new InvalidArchiveException("the uploaded backup " + id + " failed verification and was not "
                        + "stored: " + String.join("; ", scan.result().problems()));
            }
            upload.commit();
        } catch (IOException e) {
            throw new StorageException("storing the uploaded backup " + id + " in " + store.description()
                    + " failed: " + e.getMessage(), e);
        }
        try (Store.Upload side = store.upload(Sidecar.objectName(id))) {
            side.stream().write(json);
            side.commit();
        } catch (IOException | RuntimeException e) {
            try {
                store.delete(info.archiveName());
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new StorageException("writing the sidecar of the uploaded backup " + id + " to "
                    + store.description() + " failed, so the archive was removed: " + e.getMessage(), e);
        }
        LOG.info("imported backup {} into {}: {} bytes, verified, in {} ms", id, store.description(),
                info.sizeBytes(), java.time.Duration.ofNanos(System.nanoTime() - started).toMillis());
        return info;
    }

    /** Copies every byte read to the store's upload, failing once more than {@code max} were read. */
    private static final class UploadTee extends java.io.FilterInputStream {
        private final OutputStream copy;
        private final long max;
        private long read;

        UploadTee(InputStream in, OutputStream copy, long max) {
            super(in);
            this.copy = copy;
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                read += n;
                if (read > max) {
                    throw new SizeLimiter.LimitIOException(new LimitExceededException("",
                            LimitExceededException.Limit.UPLOAD_BYTES, max, read));
                }
                copy.write(b, off, n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            return super.skip(0);
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    private Compression.Algorithm algorithm(BackupInfo info) {
        String name = info.archiveName();
        if (info.encrypted()) {
            name = name.substring(0, name.length() - ArchiveLayout.AGE_SUFFIX.length());
        }
        try {
            return Compression.forFileName(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidArchiveException("backup " + info.id() + ": unknown archive type " + info.archiveName());
        }
    }

    private List<RecipientStanzaReader> readers(BackupInfo info) {
        if (!info.encrypted()) {
            return null;
        }
        if (identity == null) {
            throw new WrongKeyException("backup " + info.id() + " is encrypted: supply the age identity "
                    + "(withIdentity(AgeIdentity) or --identity FILE) to read it");
        }
        return identity.readers();
    }

    private WrongKeyException notARecipient(String id) {
        return new WrongKeyException("backup " + id + " is not encrypted to the supplied age identity "
                + identity.recipients() + "; use the identity of one of the backup's recipients");
    }

    /**
     * The signature policy: with trusted keys configured, or for an encrypted backup (which anyone
     * knowing the recipient could forge), a valid signature by a trusted key is required unless
     * {@link #allowUnsigned(boolean)} turned the check off.
     */
    private void checkSignature(Sidecar sidecar, String manifestSha256, List<String> problems) {
        BackupInfo info = sidecar.backup();
        Sidecar.Signature signature = sidecar.signature();
        boolean valid = signature != null && !trustedKeys.isEmpty()
                && Signatures.ALGORITHM.equals(signature.algorithm())
                && manifestSha256.equals(signature.manifestSha256())
                && Signatures.verify(trustedKeys, Signatures.statement(info, manifestSha256), signature.value());
        if (valid) {
            return;
        }
        String problem;
        if (signature == null) {
            problem = "backup " + info.id() + " is not signed";
        } else if (trustedKeys.isEmpty()) {
            problem = "backup " + info.id() + " is signed but no trusted signing keys are configured";
        } else {
            problem = "the signature of backup " + info.id() + " does not verify against any trusted key: it was "
                    + "signed by a foreign key, or its sidecar, manifest or archive was altered";
        }
        if (allowUnsigned) {
            LOG.warn("{}; reading it anyway because unsigned backups are allowed", problem);
        } else if (!trustedKeys.isEmpty() || info.encrypted()) {
            problems.add(problem + Signatures.REFUSAL);
        }
    }

    /**
     * Numbers no real backup has: negative sizes or counts, more rows than the table's data entries
     * have bytes, more rows in the tables than in their entries. They are refused before any row is
     * loaded, so that no later code sizes anything from them.
     */
    private static void checkNumbers(BackupManifest manifest, List<String> problems) {
        Map<String, long[]> perTable = new LinkedHashMap<>();
        for (ManifestEntry entry : manifest.entries()) {
            if (entry.size() < 0 || entry.rows() < 0) {
                problems.add("entry '" + entry.name() + "' records an absurd size or row count (" + entry.size()
                        + " bytes, " + entry.rows() + " rows)");
                continue;
            }
            if (entry.kind() == ManifestEntry.Kind.DATA && entry.table() != null) {
                long[] t = perTable.computeIfAbsent(entry.table(), k -> new long[3]);
                t[0] = saturatedAdd(t[0], entry.rows());
                t[1] = saturatedAdd(t[1], entry.size());
                t[2]++;
            }
            if (entry.rows() > entry.size()) {
                problems.add("entry '" + entry.name() + "' records " + entry.rows() + " rows in " + entry.size()
                        + " bytes, which is impossible");
            }
        }
        for (TableSummary table : manifest.tables()) {
            long[] t = perTable.getOrDefault(table.name(), new long[3]);
            if (table.rows() < 0 || table.entries() < 0) {
                problems.add("table '" + table.name() + "' records an absurd row or entry count (" + table.rows()
                        + " rows, " + table.entries() + " entries)");
            } else if (table.rows() != t[0] || table.entries() != t[2]) {
                problems.add("table '" + table.name() + "' records " + table.rows() + " rows in " + table.entries()
                        + " entries, but its data entries hold " + t[0] + " rows in " + t[2] + " entries");
            }
        }
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /** The checks of a manifest that need no archive: format version, id, numbers, entry folders. */
    private static void checkManifestAlone(String id, BackupManifest manifest, List<String> problems) {
        if (manifest.formatVersion() != BackupManifest.FORMAT_VERSION) {
            problems.add("manifest.json has format version " + manifest.formatVersion() + "; this library reads "
                    + BackupManifest.FORMAT_VERSION);
        }
        if (!id.equals(manifest.id())) {
            problems.add("manifest.json belongs to backup " + manifest.id() + ", not " + id);
        }
        checkNumbers(manifest, problems);
        for (ManifestEntry entry : manifest.entries()) {
            String folder = entry.kind() == ManifestEntry.Kind.MEDIA ? ArchiveLayout.MEDIA_PREFIX : ArchiveLayout.SQL_PREFIX;
            String unsafe = ArchiveReader.unsafeName(entry.name());
            if (unsafe != null) {
                problems.add(ArchiveReader.refusedEntry(entry.name(), unsafe));
            } else if (!entry.name().startsWith(folder)) {
                problems.add("entry '" + entry.name() + "' of kind " + entry.kind() + " is not under " + folder);
            }
        }
    }

    private static void checkManifest(String id, BackupManifest manifest, Map<String, EntryDigest> seen,
                                      List<String> problems) {
        checkManifestAlone(id, manifest, problems);
        Map<String, ManifestEntry> listed = new LinkedHashMap<>();
        for (ManifestEntry entry : manifest.entries()) {
            listed.put(entry.name(), entry);
            EntryDigest actual = seen.get(entry.name());
            if (actual == null) {
                problems.add("entry '" + entry.name() + "' is listed in the manifest but missing from the archive");
            } else if (actual.size() != entry.size()) {
                problems.add("entry '" + entry.name() + "' has " + actual.size() + " bytes; the manifest records "
                        + entry.size());
            } else if (actual.sha256() != null && !actual.sha256().equals(entry.sha256())) {
                problems.add("entry '" + entry.name() + "' has SHA-256 " + actual.sha256()
                        + "; the manifest records " + entry.sha256());
            }
        }
        for (String name : seen.keySet()) {
            if (!listed.containsKey(name)) {
                problems.add("entry '" + name + "' is not listed in the manifest");
            }
        }
        List<String> archiveOrder = seen.keySet().stream().filter(listed::containsKey).toList();
        List<String> manifestOrder = listed.keySet().stream().filter(seen::containsKey).toList();
        if (!archiveOrder.equals(manifestOrder)) {
            for (int i = 0; i < archiveOrder.size(); i++) {
                if (!archiveOrder.get(i).equals(manifestOrder.get(i))) {
                    problems.add("entry '" + archiveOrder.get(i) + "' is out of order: the manifest lists '"
                            + manifestOrder.get(i) + "' at that place (entries load in the manifest's order)");
                    break;
                }
            }
        }
    }
}
