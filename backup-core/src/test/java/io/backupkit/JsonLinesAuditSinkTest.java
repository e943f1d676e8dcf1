package io.backupkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.AuditVerification.Problem;
import io.backupkit.internal.AuditLines;
import io.backupkit.spi.AuditSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesAuditSinkTest {

    @TempDir
    Path dir;

    private static final Actor ROOT = Actor.user("root@demo.test", Set.of(Actor.SUPER_ADMIN), "10.0.0.7")
            .withReason("settings page");

    static AuditRecord record(int i) {
        return AuditRecord.unsealed(Instant.parse("2026-11-26T10:00:00Z").plusSeconds(i), ROOT, Operation.EXPORT,
                "20261126T101500123Z-k3f9a" + (i % 10), i % 3 == 0 ? AuditOutcome.DENIED : AuditOutcome.OK,
                i % 3 == 0 ? null : "note " + i, i % 2 == 0 ? null : (long) i * 1000, Duration.ofMillis(i));
    }

    private JsonLinesAuditSink trailWith(int n) {
        JsonLinesAuditSink sink = JsonLinesAuditSink.at(dir.resolve("logs/audit.jsonl"));
        for (int i = 1; i <= n; i++) {
            sink.append(record(i));
        }
        return sink;
    }

    private List<String> lines(JsonLinesAuditSink sink) throws IOException {
        return new ArrayList<>(Files.readAllLines(sink.file(), StandardCharsets.UTF_8));
    }

    private void rewrite(JsonLinesAuditSink sink, List<String> lines) throws IOException {
        StringBuilder b = new StringBuilder();
        lines.forEach(l -> b.append(l).append('\n'));
        Files.writeString(sink.file(), b.toString(), StandardCharsets.UTF_8);
    }

    private static List<AuditRecord> read(AuditSink sink, AuditSink.Order order) {
        try (Stream<AuditRecord> records = sink.read(order)) {
            return records.toList();
        }
    }

    @Test
    void appendsChainedRecordsAndReadsThemBackInBothOrders() throws IOException {
        JsonLinesAuditSink sink = trailWith(5);
        List<AuditRecord> oldest = read(sink, AuditSink.Order.OLDEST_FIRST);
        assertThat(oldest).extracting(AuditRecord::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(oldest.get(0).prevHash()).isEqualTo(AuditRecord.GENESIS);
        for (int i = 1; i < oldest.size(); i++) {
            assertThat(oldest.get(i).prevHash()).isEqualTo(oldest.get(i - 1).hash());
            assertThat(oldest.get(i).hashValid()).isTrue();
        }
        AuditRecord third = oldest.get(2);
        assertThat(third.actorId()).isEqualTo("root@demo.test");
        assertThat(third.roles()).containsExactly(Actor.SUPER_ADMIN);
        assertThat(third.remoteAddress()).isEqualTo("10.0.0.7");
        assertThat(third.reason()).isEqualTo("settings page");
        assertThat(third.outcome()).isEqualTo(AuditOutcome.DENIED);
        assertThat(third.bytes()).isEqualTo(3000L);
        assertThat(oldest.get(1).bytes()).isNull();
        assertThat(third.time()).isEqualTo(Instant.parse("2026-11-26T10:00:03Z"));
        assertThat(read(sink, AuditSink.Order.NEWEST_FIRST)).extracting(AuditRecord::seq).containsExactly(5L, 4L, 3L, 2L, 1L);
        List<AuditRecord> reversed = new ArrayList<>(oldest);
        java.util.Collections.reverse(reversed);
        assertThat(read(sink, AuditSink.Order.NEWEST_FIRST)).isEqualTo(reversed);
        assertThat(sink.anchor()).contains(new AuditSink.Anchor(5, oldest.get(4).hash()));
        assertThat(lines(sink)).hasSize(5).allSatisfy(l -> assertThat(l).startsWith("{\"v\":1,\"seq\":"));
        AuditVerification check = AuditVerification.of(sink);
        assertThat(check.intact()).as(check.message()).isTrue();
        assertThat(check.recordsChecked()).isEqualTo(5);
        assertThat(Files.getPosixFilePermissions(sink.file())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aNewTrailIsIntactAndEmpty() {
        JsonLinesAuditSink sink = JsonLinesAuditSink.at(dir.resolve("new.jsonl"));
        assertThat(read(sink, AuditSink.Order.NEWEST_FIRST)).isEmpty();
        assertThat(AuditVerification.of(sink).intact()).isTrue();
    }

    @Test
    void anEditedFieldIsNamed() throws IOException {
        JsonLinesAuditSink sink = trailWith(6);
        List<String> lines = lines(sink);
        lines.set(1, lines.get(1).replace("root@demo.test", "someone@else.test"));
        rewrite(sink, lines);
        AuditVerification check = AuditVerification.of(sink);
        assertThat(check.intact()).isFalse();
        assertThat(check.problem()).isEqualTo(Problem.EDITED);
        assertThat(check.firstBadSeq()).isEqualTo(2);
        assertThat(check.firstBadLine()).isEqualTo(2);
        assertThat(check.message()).contains("record 2 (line 2) was edited");
    }

    @Test
    void anEditedAndRehashedRecordIsNamedByTheNextOne() throws IOException {
        JsonLinesAuditSink sink = trailWith(6);
        List<AuditRecord> records = read(sink, AuditSink.Order.OLDEST_FIRST);
        AuditRecord original = records.get(2);
        AuditRecord forged = new AuditRecord(0, original.time(), "innocent@demo.test", original.roles(),
                original.remoteAddress(), original.reason(), original.operation(), original.backupId(),
                original.outcome(), original.detail(), original.bytes(), original.duration(), null, null)
                .seal(original.seq(), original.prevHash());
        List<String> lines = lines(sink);
        lines.set(2, AuditLines.write(forged));
        rewrite(sink, lines);
        AuditVerification check = AuditVerification.of(sink);
        assertThat(check.problem()).isEqualTo(Problem.EDITED);
        assertThat(check.firstBadSeq()).isEqualTo(3);
        assertThat(check.firstBadLine()).isEqualTo(3);
        assertThat(check.message()).contains("re-hashed");
    }

    @Test
    void theLastRecordEditedAndRehashedIsCaughtByTheAnchor() throws IOException {
        JsonLinesAuditSink sink = trailWith(4);
        AuditRecord last = read(sink, AuditSink.Order.NEWEST_FIRST).get(0);
        AuditRecord forged = new AuditRecord(0, last.time(), last.actorId(), last.roles(), "192.0.2.1", last.reason(),
                last.operation(), last.backupId(), last.outcome(), last.detail(), last.bytes(), last.duration(), null, null)
                .seal(last.seq(), last.prevHash());
        List<String> lines = lines(sink);
        lines.set(3, AuditLines.write(forged));
        rewrite(sink, lines);
        AuditVerification check = AuditVerification.of(sink);
        assertThat(check.problem()).isEqualTo(Problem.EDITED);
        assertThat(check.firstBadSeq()).isEqualTo(4);
    }

    @Test
    void aCopiedLineIsAnInsertion() throws IOException {
        JsonLinesAuditSink sink = trailWith(6);
        List<String> lines = lines(sink);
        lines.add(4, lines.get(1));
        rewrite(sink, lines);
        AuditVerification check = AuditVerification.of(sink);
        assertThat(check.problem()).isEqualTo(Problem.INSERTED);
        assertThat(check.firstBadLine()).isEqualTo(5);
        assertThat(check.recordsChecked()).isEqualTo(4);
    }

    @Test
    void aForgedRecordThatChainsToItsPredecessorIsAnInsertion() throws IOException {
        JsonLinesAuditSink sink = trailWith(6);
        AuditRecord third = read(sink, AuditSink.Order.OLDEST_FIRST).get(2);
        AuditRecord forged = record(99).seal(4, third.hash());
        List<String> lines = lines(sink);
        lines.add(3, AuditLines.write(forged));
        rewrite(sink, lines);
        AuditVerification check = AuditVerification.of(sink);
        assertThat(check.problem()).isEqualTo(Problem.INSERTED);
        assertThat(check.firstBadLine()).isEqualTo(4);
        assertThat(check.firstBadSeq()).isEqualTo(4);
    }

    @Test
    void aDeletedLineIsNamedInTheMiddleAndAtTheStart() throws IOException {
        JsonLinesAuditSink sink = trailWith(6);
        List<String> lines = lines(sink);
        lines.remove(2);
        rewrite(sink, lines);
        AuditVerification check = AuditVerification.of(sink);
        assertThat(check.problem()).isEqualTo(Problem.DELETED);
        assertThat(check.firstBadSeq()).isEqualTo(3);
        assertThat(check.firstBadLine()).isEqualTo(3);
        assertThat(check.message()).isEqualTo("record 3 is missing before line 3");

        lines.remove(0);
        lines.remove(0);
        rewrite(sink, lines);
        check = AuditVerification.of(sink);
        assertThat(check.problem()).isEqualTo(Problem.DELETED);
        assertThat(check.firstBadSeq()).isEqualTo(1);
        assertThat(check.message()).isEqualTo("records 1 to 3 are missing before line 1");
    }

    @Test
    void swappedAndMovedLinesAreReordered() throws IOException {
        JsonLinesAuditSink sink = trailWith(6);
        List<String> original = lines(sink);
        List<String> swapped = new ArrayList<>(original);
        swapped.set(2, original.get(3));
        swapped.set(3, original.get(2));
        rewrite(sink, swapped);
        AuditVerification check = AuditVerification.of(sink);
        assertThat(check.problem()).isEqualTo(Problem.REORDERED);
        assertThat(check.firstBadLine()).isEqualTo(3);

        List<String> moved = new ArrayList<>(original);
        moved.add(moved.remove(1));
        rewrite(sink, moved);
        check = AuditVerification.of(sink);
        assertThat(check.problem()).isEqualTo(Problem.REORDERED);
        assertThat(check.message()).isEqualTo("record 2 was moved from before line 2 to line 6");
    }

    @Test
    void aTruncatedTailIsCaughtByTheAnchorAndStaysVisibleAfterLaterAppends() throws IOException {
        JsonLinesAuditSink sink = trailWith(6);
        List<String> lines = lines(sink);
        rewrite(sink, lines.subList(0, 4));
        AuditVerification check = AuditVerification.of(sink);
        assertThat(check.problem()).isEqualTo(Problem.TRUNCATED);
        assertThat(check.firstBadSeq()).isEqualTo(5);
        assertThat(check.firstBadLine()).isEqualTo(5);
        assertThat(check.message()).contains("records 5 to 6 were removed from the end");

        // the next append continues from the anchor, so the gap is now in the middle
        AuditRecord next = sink.append(record(7));
        assertThat(next.seq()).isEqualTo(7);
        check = AuditVerification.of(sink);
        assertThat(check.problem()).isEqualTo(Problem.DELETED);
        assertThat(check.firstBadSeq()).isEqualTo(5);
        assertThat(check.firstBadLine()).isEqualTo(5);
    }

    @Test
    void emptyingTheTrailIsATruncation() throws IOException {
        JsonLinesAuditSink sink = trailWith(3);
        Files.write(sink.file(), new byte[0]);
        AuditVerification check = AuditVerification.of(sink);
        assertThat(check.problem()).isEqualTo(Problem.TRUNCATED);
        assertThat(check.firstBadSeq()).isEqualTo(1);
    }

    @Test
    void aMissingAnchorIsReported() throws IOException {
        JsonLinesAuditSink sink = trailWith(3);
        Files.delete(dir.resolve("logs/audit.jsonl.anchor"));
        AuditVerification check = AuditVerification.of(sink);
        assertThat(check.problem()).isEqualTo(Problem.ANCHOR_MISSING);
        sink.append(record(4));
        assertThat(AuditVerification.of(sink).intact()).isTrue();
    }

    @Test
    void aGarbledLineIsMalformedWithItsLineNumber() throws IOException {
        JsonLinesAuditSink sink = trailWith(5);
        List<String> lines = lines(sink);
        lines.set(3, lines.get(3).substring(0, 40));
        rewrite(sink, lines);
        AuditVerification check = AuditVerification.of(sink);
        assertThat(check.problem()).isEqualTo(Problem.MALFORMED);
        assertThat(check.firstBadLine()).isEqualTo(4);
        assertThat(check.recordsChecked()).isEqualTo(3);
        assertThat(check.message()).contains("line 4 of");

        lines.set(3, lines.get(4).replace("\"v\":1,", "\"v\":1,\"extra\":true,"));
        rewrite(sink, lines);
        assertThat(AuditVerification.of(sink).problem()).isEqualTo(Problem.MALFORMED);
    }

    @Test
    void aLineCutOffByACrashIsIgnoredAndRemovedByTheNextAppend() throws IOException {
        JsonLinesAuditSink sink = trailWith(3);
        String torn = AuditLines.write(record(4).seal(4, AuditRecord.GENESIS)).substring(0, 50);
        Files.writeString(sink.file(), torn, StandardOpenOption.APPEND);
        assertThat(read(sink, AuditSink.Order.NEWEST_FIRST)).extracting(AuditRecord::seq).containsExactly(3L, 2L, 1L);
        assertThat(AuditVerification.of(sink).intact()).isTrue();
        AuditRecord next = sink.append(record(5));
        assertThat(next.seq()).isEqualTo(4);
        assertThat(lines(sink)).hasSize(4).noneMatch(l -> l.equals(torn));
        assertThat(AuditVerification.of(sink).intact()).isTrue();
    }

    @Test
    void concurrentAppendsFromManyThreadsAndTwoSinksFormOneChain() throws Exception {
        Path file = dir.resolve("shared.jsonl");
        JsonLinesAuditSink a = JsonLinesAuditSink.at(file);
        JsonLinesAuditSink b = JsonLinesAuditSink.at(file);
        int threads = 8;
        int each = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<Long>>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            JsonLinesAuditSink sink = t % 2 == 0 ? a : b;
            int thread = t;
            futures.add(pool.submit(() -> {
                start.await();
                List<Long> seqs = new ArrayList<>();
                for (int i = 0; i < each; i++) {
                    seqs.add(sink.append(record(thread * 1000 + i)).seq());
                }
                return seqs;
            }));
        }
        start.countDown();
        Set<Long> all = new HashSet<>();
        for (Future<List<Long>> f : futures) {
            all.addAll(f.get());
        }
        pool.shutdown();
        assertThat(all).hasSize(threads * each);
        assertThat(all).allMatch(s -> s >= 1 && s <= threads * each);
        AuditVerification check = AuditVerification.of(a);
        assertThat(check.intact()).as(check.message()).isTrue();
        assertThat(check.recordsChecked()).isEqualTo(threads * each);
    }

    @Test
    void appendsFromSeveralProcessesFormOneChain() throws Exception {
        Path file = dir.resolve("processes.jsonl");
        JsonLinesAuditSink sink = JsonLinesAuditSink.at(file);
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> children = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            children.add(new ProcessBuilder(java, "-cp", classPath, AuditAppenderMain.class.getName(), file.toString(), "60")
                    .redirectErrorStream(true).start());
        }
        for (int i = 0; i < 60; i++) {
            sink.append(record(i));
        }
        for (Process child : children) {
            String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(child.waitFor()).as(output).isZero();
        }
        AuditVerification check = AuditVerification.of(sink);
        assertThat(check.intact()).as(check.message()).isTrue();
        assertThat(check.recordsChecked()).isEqualTo(180);
    }

    @Test
    void aGarbledLastLineIsSkippedFromTheAnchorOrRefusedWithoutOne() throws IOException {
        JsonLinesAuditSink sink = trailWith(3);
        List<String> lines = lines(sink);
        lines.set(2, "{\"garbage\":true}");
        rewrite(sink, lines);
        AuditRecord next = sink.append(record(4));
        assertThat(next.seq()).isEqualTo(4);
        assertThat(AuditVerification.of(sink).problem()).isEqualTo(Problem.MALFORMED);

        Files.delete(dir.resolve("logs/audit.jsonl.anchor"));
        lines = lines(sink);
        lines.set(3, "garbage");
        rewrite(sink, lines);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sink.append(record(5)))
                .isInstanceOf(AuditTrailException.class).hasMessageContaining("no anchor to continue from");
    }

    @Test
    void aTrailThatIsAFolderFailsAtStartUp() throws IOException {
        Files.createDirectories(dir.resolve("folder.jsonl"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> JsonLinesAuditSink.at(dir.resolve("folder.jsonl")))
                .isInstanceOf(AuditTrailException.class).hasMessageContaining("not a regular file");
    }
}
