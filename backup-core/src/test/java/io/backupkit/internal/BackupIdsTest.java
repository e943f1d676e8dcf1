package io.backupkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class BackupIdsTest {

    private static final Instant SAME_MILLISECOND = Instant.parse("2026-11-26T13:46:55.123Z");

    @Test
    void anIdIsTheUtcTimeToTheMillisecondThenASuffix() {
        String id = BackupIds.newId(Instant.parse("2026-11-26T13:46:55.123456Z"));

        assertThat(id).matches("20261126T134655123Z-[a-z0-9]{6}");
        assertThat(BackupIds.isValid(id)).isTrue();
        assertThat(BackupIds.requireValid(id)).isEqualTo(id);
    }

    @Test
    void idsSortByTimeAsPlainStrings() {
        List<Instant> times = new ArrayList<>();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Instant base = Instant.parse("2000-01-01T00:00:00Z");
        for (int i = 0; i < 2_000; i++) {
            times.add(base.plusMillis(random.nextLong(Duration.ofDays(365L * 900).toMillis())));
        }
        // Neighbours one millisecond apart, and instants that straddle a second, a day and a year.
        times.add(Instant.parse("2026-12-31T23:59:59.999Z"));
        times.add(Instant.parse("2027-01-01T00:00:00.000Z"));
        times.add(Instant.parse("2027-01-01T00:00:00.001Z"));
        times.add(Instant.parse("2026-11-26T09:59:59.999Z"));
        times.add(Instant.parse("2026-11-26T10:00:00Z"));
        List<Instant> byTime = times.stream().distinct().sorted().toList();
        List<String> ids = byTime.stream().map(BackupIds::newId).toList();

        assertThat(ids).isSorted().allSatisfy(id -> assertThat(BackupIds.isValid(id)).as(id).isTrue());
        assertThat(new HashSet<>(ids)).hasSameSizeAs(ids);
    }

    /**
     * Far more than the 10,000: with independent random six-character suffixes, 10,000 ids
     * collide with a probability of 2%, so only a count where chance alone would collide almost
     * surely (200,000: 99.99%) shows that uniqueness within a process does not rest on luck.
     */
    @Test
    void twoHundredThousandIdsInTheSameMillisecondAreAllDifferent() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            String id = BackupIds.newId(SAME_MILLISECOND);
            assertThat(ids.add(id)).as("id %s (number %s) was already given", id, i).isTrue();
            assertThat(BackupIds.isValid(id)).isTrue();
        }
        assertThat(ids).allSatisfy(id -> assertThat(id).startsWith("20261126T134655123Z-"));
    }

    @Test
    void idsDrawnConcurrentlyInTheSameMillisecondAreAllDifferent() throws Exception {
        Set<String> ids = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    int duplicates = 0;
                    for (int i = 0; i < 5_000; i++) {
                        if (!ids.add(BackupIds.newId(SAME_MILLISECOND))) {
                            duplicates++;
                        }
                    }
                    return duplicates;
                }));
            }
            for (Future<Integer> f : futures) {
                assertThat(f.get()).as("duplicates").isZero();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(ids).hasSize(20_000);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "20261126T134655123Z", "20261126T134655123Z-", "20261126T134655123Z-K3F9A2",
            "20261126T134655123Z-k3f9a", "20261126T134655123Z-k3f9a22", "20261126T13465512Z-k3f9a2",
            "2026-11-26T134655123Z-k3f9a2", "../20261126T134655123Z-k3f9a2", "20261126T134655123Z-k3f9a2.json",
            "20261126T134655123Z-k3f9a2/..", " 20261126T134655123Z-k3f9a2", "20261126T134655123Z-k3f9_2",
            "２0261126T134655123Z-k3f9a2", "20261126T134655123Z-k3f9a2\n"})
    void anythingElseIsNotAnId(String text) {
        assertThat(BackupIds.isValid(text)).isFalse();
        assertThatThrownBy(() -> BackupIds.requireValid(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a backup id")
                .hasMessageContaining("expected e.g.");
    }
}
