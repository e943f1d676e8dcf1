package io.backupkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.backupkit.Compression;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of the archive format: whatever entries {@link ArchiveWriter} writes, in any
 * compression, {@link ArchiveReader} gives back the same names and bytes in the same order, with
 * a whole-archive SHA-256 equal to the writer's; and a single damaged byte is never silently read
 * back as the original data.
 */
class ArchiveRoundTripProperties {

    private static final int MIB = 1 << 20;
    private static final Instant MOD_TIME = Instant.parse("2026-11-26T10:15:00Z");

    /** How an entry's bytes are made: cheap to describe and shrink, reproducible from the seed. */
    enum Content { RANDOM, TEXT, ZEROS, REPEATED }

    record EntrySpec(String name, int size, Content content, long seed) {
        byte[] bytes() {
            byte[] bytes = new byte[size];
            Random random = new Random(seed);
            switch (content) {
                case RANDOM -> random.nextBytes(bytes);
                case TEXT -> {
                    byte[] sql = "INSERT INTO \"t\" VALUES (1,'O''Brien',X'00ff',NULL,-0.0);\n"
                            .getBytes(StandardCharsets.UTF_8);
                    for (int i = 0; i < size; i++) {
                        bytes[i] = sql[(i + random.nextInt(3)) % sql.length];
                    }
                }
                case ZEROS -> {
                    // already zero
                }
                case REPEATED -> Arrays.fill(bytes, (byte) random.nextInt(256));
                default -> throw new IllegalStateException();
            }
            return bytes;
        }

        @Override
        public String toString() {
            return name + " (" + size + " " + content + " bytes)";
        }
    }

    record Entry(String name, byte[] bytes) {
    }

    record Written(byte[] archive, List<Entry> entries, List<String> entryShas, String writerSha, String writerShaAgain) {
    }

    @Provide
    Arbitrary<List<EntrySpec>> entries() {
        Arbitrary<String> names = Arbitraries.strings()
                .withChars("abcxyzABC0123456789_-.éü日本")
                .ofMinLength(1).ofMaxLength(140)
                .filter(s -> !s.equals(".") && !s.equals("..")) // the reader refuses path traversal
                .map(s -> "sql/" + s);
        Arbitrary<Integer> sizes = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(10, Arbitraries.integers().between(1, 4096)),
                net.jqwik.api.Tuple.of(4, Arbitraries.integers().between(4097, 256 * 1024)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(256 * 1024, MIB)));
        Arbitrary<EntrySpec> entry = Combinators.combine(names, sizes, Arbitraries.of(Content.class),
                Arbitraries.longs()).as(EntrySpec::new);
        return entry.list().ofMinSize(0).ofMaxSize(10).uniqueElements(EntrySpec::name) // duplicates are refused
                .filter(list -> list.stream().mapToLong(EntrySpec::size).sum() <= 3L * MIB);
    }

    @Provide
    Arbitrary<Compression> compressions() {
        return Arbitraries.oneOf(
                Arbitraries.integers().between(1, 19).map(Compression::zstd),
                Arbitraries.integers().between(1, 9).map(Compression::gzip),
                Arbitraries.just(Compression.none()));
    }

    @Property(tries = 60)
    void whatIsWrittenIsReadBackEntryForEntry(@ForAll("entries") List<EntrySpec> specs,
                                              @ForAll("compressions") Compression compression) throws IOException {
        Written written = write(specs, compression);
        List<Entry> read = new ArrayList<>();

        ArchiveReader.Digests digests = ArchiveReader.read(new ByteArrayInputStream(written.archive()),
                compression.algorithm(), (name, size, content) -> {
                    byte[] bytes = content.readAllBytes();
                    assertThat(size).as("size in the header of %s", name).isEqualTo(bytes.length);
                    read.add(new Entry(name, bytes));
                });

        assertThat(read).extracting(Entry::name).containsExactlyElementsOf(specs.stream().map(EntrySpec::name).toList());
        for (int i = 0; i < read.size(); i++) {
            assertThat(read.get(i).bytes()).as("bytes of entry %s (%s)", i, specs.get(i)).isEqualTo(written.entries().get(i).bytes());
            assertThat(written.entryShas().get(i)).isEqualTo(Sha256.of(read.get(i).bytes(), 0, read.get(i).bytes().length));
        }
        String actualSha = Sha256.of(written.archive(), 0, written.archive().length);
        assertThat(digests.archiveSize()).isEqualTo(written.archive().length);
        assertThat(digests.archiveSha256()).isEqualTo(actualSha).isEqualTo(written.writerSha());
        assertThat(written.writerShaAgain()).as("archiveSha256() asked a second time").isEqualTo(written.writerSha());
        Statistics.collect(compression.algorithm());
    }

    /**
     * A flipped byte either makes reading fail with {@link ArchiveReader.DamagedArchiveException},
     * or is caught by the archive's SHA-256, which {@code verify} compares with the sidecar's. What
     * it never does is hand back different content silently from a compressed archive: zstd's frame
     * checksum and gzip's CRC cover the content. (A flip can leave the content identical: in a
     * header field such as zstd's window size or gzip's mtime, in tar padding, or in a back
     * reference into a run of zeros, where any distance copies the same zeros.)
     */
    @Property(tries = 150)
    void aSingleFlippedByteIsAlwaysDetected(@ForAll("entries") List<EntrySpec> specs,
                                            @ForAll("compressions") Compression compression,
                                            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int where,
                                            @ForAll @IntRange(min = 1, max = 255) int mask) {
        Written written = write(specs, compression);
        byte[] damaged = written.archive().clone();
        int position = where % damaged.length;
        damaged[position] ^= (byte) mask;
        List<Entry> read = new ArrayList<>();

        ArchiveReader.Digests digests;
        try {
            digests = ArchiveReader.read(new ByteArrayInputStream(damaged), compression.algorithm(),
                    (name, size, content) -> read.add(new Entry(name, content.readAllBytes())));
        } catch (ArchiveReader.DamagedArchiveException e) {
            Statistics.label("outcome").collect("damaged");
            return;
        } catch (IOException | RuntimeException e) {
            fail("a damaged archive must fail with DamagedArchiveException, not " + e, e);
            return;
        }
        // The whole-archive digest covers every byte, trailing padding included.
        assertThat(digests.archiveSha256()).as("archive SHA-256 after flipping byte %s", position)
                .isNotEqualTo(written.writerSha());
        assertThat(digests.archiveSize()).isEqualTo(damaged.length);
        boolean identical = read.size() == written.entries().size();
        for (int i = 0; identical && i < read.size(); i++) {
            identical = read.get(i).name().equals(written.entries().get(i).name())
                    && Arrays.equals(read.get(i).bytes(), written.entries().get(i).bytes());
        }
        if (identical) {
            Statistics.label("outcome").collect("same content, archive digest differs");
            return;
        }
        Statistics.label("outcome").collect("content differs");
        assertThat(compression.algorithm()).as("%s returned different content without an error after byte %s "
                + "was flipped", compression, position).isEqualTo(Compression.Algorithm.NONE);
    }

    @Property(tries = 20)
    void anArchiveCutShortIsDamagedOrMissesEntries(@ForAll("entries") List<EntrySpec> specs,
                                                   @ForAll("compressions") Compression compression,
                                                   @ForAll @IntRange(min = 1, max = Integer.MAX_VALUE) int cut) {
        Written written = write(specs, compression);
        byte[] truncated = Arrays.copyOf(written.archive(), written.archive().length - 1 - cut % written.archive().length);
        List<Entry> read = new ArrayList<>();
        try {
            ArchiveReader.Digests digests = ArchiveReader.read(new ByteArrayInputStream(truncated), compression.algorithm(),
                    (name, size, content) -> read.add(new Entry(name, content.readAllBytes())));
            assertThat(digests.archiveSha256()).isNotEqualTo(written.writerSha());
            if (compression.algorithm() != Compression.Algorithm.NONE) {
                fail("a truncated compressed archive was read without error: " + read.size() + " entries");
            }
        } catch (ArchiveReader.DamagedArchiveException expected) {
            // the reader noticed
        } catch (IOException | RuntimeException e) {
            fail("a truncated archive must fail with DamagedArchiveException, not " + e, e);
        }
    }

    @Property(tries = 3)
    void anEmptyObjectIsNeverAnArchive(@ForAll("compressions") Compression compression) {
        // zstd and tar both read zero bytes as "no entries"; a real archive always has a trailer.
        assertThatThrownBy(() -> ArchiveReader.read(new ByteArrayInputStream(new byte[0]), compression.algorithm(),
                (name, size, content) -> fail("no entry expected")))
                .isInstanceOf(ArchiveReader.DamagedArchiveException.class);
    }

    private static Written write(List<EntrySpec> specs, Compression compression) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ArchiveWriter writer = new ArchiveWriter(out, compression, MOD_TIME);
            List<Entry> entries = new ArrayList<>();
            List<String> shas = new ArrayList<>();
            for (EntrySpec spec : specs) {
                byte[] bytes = spec.bytes();
                // The writer takes a prefix of a larger buffer, as the backup's chunk buffer hands it over.
                byte[] buffer = Arrays.copyOf(bytes, bytes.length + 17);
                shas.add(writer.addEntry(spec.name(), buffer, bytes.length));
                entries.add(new Entry(spec.name(), bytes));
            }
            writer.finish();
            String sha = writer.archiveSha256();
            String again = writer.archiveSha256();
            assertThat(writer.bytesWritten()).isEqualTo(out.size());
            return new Written(out.toByteArray(), entries, shas, sha, again);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
