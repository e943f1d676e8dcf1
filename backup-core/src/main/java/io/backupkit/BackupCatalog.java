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

    private BackupCatalog(Store store, List<Dialect> dialects) {
        this(store, dialects, null, List.of(), false);
    }

    private BackupCatalog(Store store, List<Dialect> dialects, AgeIdentity identity, List<PublicKey> trustedKeys,
                          boolean allowUnsigned) {
        this.store = Objects.requireNonNull(store, "store");
        this.dialects = List.copyOf(dialects);
        this.identity = identity;
        this.trustedKeys = List.copyOf(trustedKeys);
        this.allowUnsigned = allowUnsigned;
    }

    /**
     * This catalog reading encrypted backups with the given age identity, which stays in memory
     * only as long as the returned catalog is referenced.
     */
    public BackupCatalog withIdentity(AgeIdentity identity) {
        return new BackupCatalog(store, dialects, Objects.requireNonNull(identity, "identity"), trustedKeys,
                allowUnsigned);
    }

    /**
     * This catalog accepting backups signed by any of the given Ed25519 public keys (several keys
     * allow rotation). With trusted keys configured, every backup read (verify, export, manifest,
     * and so preview and restore) must carry a valid signature by one of them; an encrypted backup
     * must be signed even without them. Unsigned or foreign-signed backups fail verification.
     */
    public BackupCatalog withTrustedKeys(List<PublicKey> keys) {
        return new BackupCatalog(store, dialects, identity, keys, allowUnsigned);
    }

    /**
     * This catalog with signature checking turned off (true) or on (false, the default). Turned
     * off, unsigned and foreign-signed backups are read with a warning in the log.
     */
    public BackupCatalog allowUnsigned(boolean allow) {
        return new BackupCatalog(store, dialects, identity, trustedKeys, allow);
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
        return readFullSidecar(id).backup();
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
        if (json.length > MAX_SIDECAR_BYTES) {
            throw new InvalidArchiveException("the sidecar of backup " + id + " is larger than 1 MiB");
        }
        try {
            Sidecar sidecar = Json.read(json, Sidecar.class);
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
            throw new InvalidArchiveException("the sidecar of backup " + id + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Reads the whole archive and checks the archive's SHA-256 against the sidecar, and every
     * entry's size and SHA-256 against the manifest. Problems are returned, not thrown; a store
     * that cannot be read throws {@link StorageException}.
     */
    public VerificationResult verify(String id) {
        return scan(id, null).result;
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
        VerificationResult quick = verify(id);
        if (depth == VerifyDepth.QUICK || !quick.ok()) {
            return quick;
        }
        BackupManifest manifest = manifest(id);
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
                problems.addAll(staging.complete());
            }
        } catch (InvalidArchiveException e) {
            problems.add(e.getMessage());
        } catch (BackupException e) {
            throw e;
        } catch (Exception e) {
            throw new BackupException("deep verification of backup " + id + " failed: " + e.getMessage(), e);
        }
        return new VerificationResult(id, problems.isEmpty(), problems, quick.entriesChecked());
    }

    /** The manifest of a backup, after verifying the whole archive. */
    public BackupManifest manifest(String id) {
        Scan scan = scan(id, null);
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
        BackupInfo info = info(id);
        Map<String, ManifestEntry> expected = new LinkedHashMap<>();
        manifest.entries().forEach(e -> expected.put(e.name(), e));
        Compression.Algorithm algorithm = algorithm(info);
        try (InputStream in = store.open(info.archiveName())) {
            ArchiveReader.read(in, algorithm, readers(info), (name, size, content) -> {
                if (name.equals(ArchiveLayout.MANIFEST)) {
                    return;
                }
                ManifestEntry entry = expected.remove(name);
                if (entry == null) {
                    throw new InvalidArchiveException("backup " + id + ": entry '" + name + "' is not in the manifest");
                }
                MessageDigest digest = Sha256.newDigest();
                long[] count = new long[1];
                InputStream checked = new java.io.FilterInputStream(content) {
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
                    if (entry.kind() != ManifestEntry.Kind.MEDIA) {
                        consumer.accept(entry, checked);
                    }
                } catch (IOException | RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new BackupException("backup " + id + ": loading entry '" + name + "' failed: " + e.getMessage(), e);
                }
                checked.transferTo(java.io.OutputStream.nullOutputStream());
                if (count[0] != entry.size() || !Sha256.hex(digest.digest()).equals(entry.sha256())) {
                    throw new InvalidArchiveException("backup " + id + ": entry '" + name
                            + "' changed since it was verified (size or SHA-256 differs from the manifest)");
                }
            });
        } catch (ArchiveReader.NotARecipientException e) {
            throw notARecipient(id);
        } catch (NoSuchFileException e) {
            throw new InvalidArchiveException("backup " + id + ": archive " + info.archiveName() + " is missing");
        } catch (ArchiveReader.DamagedArchiveException e) {
            throw new InvalidArchiveException("backup " + id + ": archive is damaged"
                    + (e.entry() == null ? "" : " at entry '" + e.entry() + "'") + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StorageException("reading backup " + id + " from " + store.description() + " failed: "
                    + e.getMessage(), e);
        }
        if (!expected.isEmpty()) {
            throw new InvalidArchiveException("backup " + id + ": entries missing from the archive: " + expected.keySet());
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
        BackupIds.requireValid(id);
        Sidecar sidecar = readFullSidecar(id);
        BackupInfo info = sidecar.backup();
        List<String> problems = new ArrayList<>();
        Map<String, EntryDigest> seen = new LinkedHashMap<>();
        byte[][] manifestJson = new byte[1][];
        Compression.Algorithm algorithm = algorithm(info);
        List<RecipientStanzaReader> readers = readers(info);
        try (InputStream in = store.open(info.archiveName())) {
            ArchiveReader.Digests digests = ArchiveReader.read(in, algorithm, readers, (name, size, content) -> {
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
                MessageDigest digest = Sha256.newDigest();
                byte[] buffer = new byte[64 * 1024];
                long total = 0;
                int n;
                while ((n = content.read(buffer)) > 0) {
                    digest.update(buffer, 0, n);
                    total += n;
                    if (sqlOut != null && name.startsWith(ArchiveLayout.SQL_PREFIX)) {
                        sqlOut.write(buffer, 0, n);
                    }
                }
                seen.put(name, new EntryDigest(total, Sha256.hex(digest.digest())));
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
        } catch (NoSuchFileException e) {
            problems.add("archive " + info.archiveName() + " is missing from the store");
            return new Scan(new VerificationResult(id, false, problems, seen.size()), null);
        } catch (ArchiveReader.DamagedArchiveException e) {
            problems.add("archive " + info.archiveName() + " is damaged"
                    + (e.entry() == null ? "" : " at entry '" + e.entry() + "'") + ": " + e.getMessage());
            return new Scan(new VerificationResult(id, false, problems, seen.size()), null);
        } catch (IOException e) {
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
        }
        return new Scan(new VerificationResult(id, problems.isEmpty(), problems, seen.size()), manifest);
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
            problems.add(problem + " (refused; configure trusted keys, or allowUnsigned to accept it)");
        }
    }

    private static void checkManifest(String id, BackupManifest manifest, Map<String, EntryDigest> seen,
                                      List<String> problems) {
        if (manifest.formatVersion() != BackupManifest.FORMAT_VERSION) {
            problems.add("manifest.json has format version " + manifest.formatVersion() + "; this library reads "
                    + BackupManifest.FORMAT_VERSION);
        }
        if (!id.equals(manifest.id())) {
            problems.add("manifest.json belongs to backup " + manifest.id() + ", not " + id);
        }
        Map<String, ManifestEntry> listed = new LinkedHashMap<>();
        for (ManifestEntry entry : manifest.entries()) {
            listed.put(entry.name(), entry);
            String folder = entry.kind() == ManifestEntry.Kind.MEDIA ? ArchiveLayout.MEDIA_PREFIX : ArchiveLayout.SQL_PREFIX;
            if (!entry.name().startsWith(folder)) {
                problems.add("entry '" + entry.name() + "' of kind " + entry.kind() + " is not under " + folder);
            }
            EntryDigest actual = seen.get(entry.name());
            if (actual == null) {
                problems.add("entry '" + entry.name() + "' is listed in the manifest but missing from the archive");
            } else if (actual.size() != entry.size()) {
                problems.add("entry '" + entry.name() + "' has " + actual.size() + " bytes; the manifest records "
                        + entry.size());
            } else if (!actual.sha256().equals(entry.sha256())) {
                problems.add("entry '" + entry.name() + "' has SHA-256 " + actual.sha256()
                        + "; the manifest records " + entry.sha256());
            }
        }
        for (String name : seen.keySet()) {
            if (!listed.containsKey(name)) {
                problems.add("entry '" + name + "' is not listed in the manifest");
            }
        }
    }
}
