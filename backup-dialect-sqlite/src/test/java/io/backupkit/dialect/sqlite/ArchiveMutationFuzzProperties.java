package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.backupkit.BackupService;
import io.backupkit.InvalidArchiveException;
import io.backupkit.LimitExceededException;
import io.backupkit.RestoreOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Issue 4 §8: mutation fuzzing of a valid archive. Each try truncates, flips a bit in, inserts
 * bytes into or deletes bytes from the stored archive, its decompressed tar stream or the sidecar's
 * copy of the manifest (which guides a one-pass restore), or swaps,
 * duplicates or drops tar entries; usually the sidecar's size and SHA-256 are then fixed to match
 * (an attacker who can write the store), so that the deeper checks are exercised, not only the
 * archive hash. A restore of the mutant must either fail with {@link InvalidArchiveException} or
 * {@link LimitExceededException} and leave the live database byte-identical with nothing new
 * listed and no staging file, or succeed and give exactly the backed-up data: never another
 * exception type, never a partial restore.
 *
 * <p>The default run makes 300 tries (about 10-20 s). For a long run of 10,000 tries:
 * {@code -Dbackupkit.fuzz.long=true -Dtest=ArchiveMutationFuzzProperties}.
 */
class ArchiveMutationFuzzProperties {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static Path dir;
    private static Path live;
    private static Path liveCopy;
    private static Path storeFolder;
    private static BackupService service;
    private static String id;
    private static byte[] archive;
    private static byte[] tar;
    private static byte[] sidecar;
    private static String liveSha;
    private static List<String> expectedDump;
    private static List<String> listing;

    @BeforeContainer
    static void backUp() throws Exception {
        dir = Files.createTempDirectory("backupkit-fuzz");
        live = Files.createDirectories(dir.resolve("live")).resolve("app.db");
        storeFolder = dir.resolve("store");
        Path temp = Files.createDirectories(dir.resolve("tmp"));
        FaultTestKit.exec(live,
                "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, photo BLOB)",
                "CREATE TABLE tickets (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), title TEXT, "
                        + "minutes REAL)",
                "CREATE INDEX idx_tickets_user ON tickets(user_id)",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60) "
                        + "INSERT INTO users SELECT i, 'user ''' || i, 'u' || i || '@example.com', randomblob(8) FROM n",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) "
                        + "INSERT INTO tickets SELECT i, 1 + i % 60, 'pompe ' || i, i / 7.0 FROM n",
                "PRAGMA user_version=2");
        service = RestoreTestKit.service(live, storeFolder, temp);
        // small entries, so that there are several to swap, drop and duplicate
        service = BackupService.builder().dataSource(FaultTestKit.dataSource(live)).dialect(new SqliteDialect())
                .store(io.backupkit.LocalFolderStore.at(storeFolder))
                .options(io.backupkit.BackupOptions.builder().tempDirectory(temp).chunkBytes(4096).insertBatchRows(20)
                        .build())
                .build();
        id = service.backup().id();
        expectedDump = FaultTestKit.sortedDump(live);
        archive = Files.readAllBytes(storeFolder.resolve(id + ".tar.zst"));
        sidecar = Files.readAllBytes(storeFolder.resolve(id + ".json"));
        try (ZstdInputStream in = new ZstdInputStream(new ByteArrayInputStream(archive))) {
            tar = in.readAllBytes();
        }
        // the live database moves on, so that a restore is visible
        FaultTestKit.exec(live, "DELETE FROM tickets WHERE id > 150", "UPDATE users SET name = 'changed' WHERE id < 5");
        liveCopy = dir.resolve("live-copy.db");
        Files.copy(live, liveCopy);
        liveSha = RestoreTestKit.sha256(live);
        listing = RestoreTestKit.listing(service);
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        if (dir != null) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    enum Op { TRUNCATE, FLIP, INSERT, DELETE, SWAP_ENTRIES, DUPLICATE_ENTRY, DROP_ENTRY }

    /** The stored archive, its decompressed tar stream, or the sidecar's copy of the manifest (which guides a one-pass restore). */
    enum Layer { STORED, TAR, MANIFEST_COPY }

    /** One mutation; positions are fractions of the bytes (or entries) it applies to. */
    record Mutation(Op op, Layer layer, double where, double other, int bit, byte[] bytes, boolean fixSidecar) {
        @Override
        public String toString() {
            return op + " on " + layer + " at " + where + "/" + other + " bit " + bit + " bytes " + HexFormat.of()
                    .formatHex(bytes) + (fixSidecar ? " (sidecar fixed)" : " (original sidecar)");
        }
    }

    @Provide
    Arbitrary<Mutation> mutations() {
        Arbitrary<Op> ops = Arbitraries.of(Op.class);
        Arbitrary<Layer> layers = Arbitraries.of(Layer.class);
        Arbitrary<Double> where = Arbitraries.doubles().between(0, 1);
        Arbitrary<Integer> bits = Arbitraries.integers().between(0, 7);
        Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(64);
        Arbitrary<Boolean> fix = Arbitraries.frequency(net.jqwik.api.Tuple.of(4, true), net.jqwik.api.Tuple.of(1, false));
        return Combinators.combine(ops, layers, where, where, bits, bytes, fix).as(Mutation::new);
    }

    @Property(tries = 300, edgeCases = EdgeCasesMode.NONE)
    void aMutatedArchiveIsRefusedCleanlyOrRestoredWhole(@ForAll("mutations") Mutation mutation) throws Exception {
        check(mutation);
    }

    @Property(tries = 10_000, edgeCases = EdgeCasesMode.NONE)
    @AddLifecycleHook(LongRunSwitch.class)
    void longRun(@ForAll("mutations") Mutation mutation) throws Exception {
        check(mutation);
    }

    /** Runs {@link #longRun} only with {@code -Dbackupkit.fuzz.long=true}. */
    static final class LongRunSwitch implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            return Boolean.getBoolean("backupkit.fuzz.long") ? SkipResult.doNotSkip()
                    : SkipResult.skip("the 10,000-try run needs -Dbackupkit.fuzz.long=true");
        }
    }

    private void check(Mutation mutation) throws Exception {
        if (mutation.layer() == Layer.MANIFEST_COPY) {
            checkCopy(mutation);
            return;
        }
        byte[] mutant = mutate(mutation);
        if (java.util.Arrays.equals(mutant, archive)) {
            return; // e.g. a swap of two identical positions: nothing to test
        }
        Files.write(storeFolder.resolve(id + ".tar.zst"), mutant);
        byte[] side = sidecar;
        if (mutation.fixSidecar()) {
            ObjectNode node = (ObjectNode) MAPPER.readTree(sidecar);
            ((ObjectNode) node.get("backup")).put("sizeBytes", mutant.length).put("archiveSha256", sha256(mutant));
            side = MAPPER.writeValueAsBytes(node);
        }
        Files.write(storeFolder.resolve(id + ".json"), side);

        restoreAndCheck(mutation);
    }

    /** Mutates the sidecar's copy of the manifest and leaves the archive as it is. */
    private void checkCopy(Mutation mutation) throws Exception {
        ObjectNode node = (ObjectNode) MAPPER.readTree(sidecar);
        byte[] copy = node.get("manifest").asText().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Op op = switch (mutation.op()) {
            case SWAP_ENTRIES, DUPLICATE_ENTRY, DROP_ENTRY -> Op.FLIP;
            default -> mutation.op();
        };
        byte[] mutant = mutateBytes(copy, new Mutation(op, mutation.layer(), mutation.where(), mutation.other(),
                mutation.bit(), mutation.bytes(), mutation.fixSidecar()));
        node.put("manifest", new String(mutant, java.nio.charset.StandardCharsets.UTF_8));
        Files.write(storeFolder.resolve(id + ".json"), MAPPER.writeValueAsBytes(node));
        restoreAndCheck(mutation);
    }

    private void restoreAndCheck(Mutation mutation) throws Exception {
        Throwable thrown = null;
        try {
            service.restore(id, RestoreOptions.builder().build());
        } catch (Throwable t) {
            thrown = t;
        }

        Statistics.label("outcome").collect(thrown == null ? "restored whole"
                : thrown.getClass().getSimpleName() + (mutation.fixSidecar() ? " (sidecar fixed)" : " (hash)"));
        Statistics.label("operation").collect(mutation.op());
        try {
            if (thrown != null) {
                assertThat(thrown).as("exception type for " + mutation)
                        .isInstanceOfAny(InvalidArchiveException.class, LimitExceededException.class);
                assertThat(RestoreTestKit.sha256(live)).as("live database after " + mutation).isEqualTo(liveSha);
                assertThat(RestoreTestKit.listing(service)).as("listing after " + mutation).isEqualTo(listing);
            } else {
                assertThat(FaultTestKit.sortedDump(live)).as("restored data after " + mutation).isEqualTo(expectedDump);
            }
            assertThat(RestoreTestKit.stagingFiles(live.getParent())).as("staging files").isEmpty();
        } finally {
            reset();
        }
    }

    /** Puts back the live database and the store as they were before the try. */
    private static void reset() throws IOException {
        Files.copy(liveCopy, live, StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(Path.of(live + "-wal"));
        Files.deleteIfExists(Path.of(live + "-shm"));
        try (Stream<Path> files = Files.list(storeFolder)) {
            for (Path p : files.toList()) {
                if (!p.getFileName().toString().startsWith(id)) {
                    Files.delete(p);
                }
            }
        }
        Files.write(storeFolder.resolve(id + ".tar.zst"), archive);
        Files.write(storeFolder.resolve(id + ".json"), sidecar);
    }

    private static byte[] mutate(Mutation m) throws IOException {
        return switch (m.op()) {
            case SWAP_ENTRIES, DUPLICATE_ENTRY, DROP_ENTRY -> compress(mutateEntries(m));
            default -> m.layer() == Layer.STORED ? mutateBytes(archive, m) : compress(mutateBytes(tar, m));
        };
    }

    private static byte[] mutateBytes(byte[] in, Mutation m) {
        int at = (int) Math.min(in.length - 1, Math.floor(m.where() * in.length));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        switch (m.op()) {
            case TRUNCATE -> out.write(in, 0, at);
            case FLIP -> {
                byte[] copy = in.clone();
                copy[at] ^= (byte) (1 << m.bit());
                return copy;
            }
            case INSERT -> {
                out.write(in, 0, at);
                out.writeBytes(m.bytes());
                out.write(in, at, in.length - at);
            }
            case DELETE -> {
                int end = Math.min(in.length, at + m.bytes().length);
                out.write(in, 0, at);
                out.write(in, end, in.length - end);
            }
            default -> throw new IllegalStateException(m.op().toString());
        }
        return out.toByteArray();
    }

    private record Entry(String name, byte[] bytes) {
    }

    private static byte[] mutateEntries(Mutation m) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar), "UTF-8")) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                entries.add(new Entry(e.getName(), in.readAllBytes()));
            }
        }
        int i = (int) Math.min(entries.size() - 1, Math.floor(m.where() * entries.size()));
        int j = (int) Math.min(entries.size() - 1, Math.floor(m.other() * entries.size()));
        switch (m.op()) {
            case SWAP_ENTRIES -> {
                Entry a = entries.get(i);
                entries.set(i, entries.get(j));
                entries.set(j, a);
            }
            case DUPLICATE_ENTRY -> entries.add(j, entries.get(i));
            case DROP_ENTRY -> entries.remove(i);
            default -> throw new IllegalStateException(m.op().toString());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tarOut = new TarArchiveOutputStream(out, "UTF-8")) {
            tarOut.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry e : entries) {
                TarArchiveEntry header = new TarArchiveEntry(e.name());
                header.setSize(e.bytes().length);
                tarOut.putArchiveEntry(header);
                tarOut.write(e.bytes());
                tarOut.closeArchiveEntry();
            }
            tarOut.finish();
        }
        return out.toByteArray();
    }

    private static byte[] compress(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream zstd = new ZstdOutputStream(out, 3)) {
            zstd.setChecksum(true);
            zstd.write(bytes);
        }
        return out.toByteArray();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
