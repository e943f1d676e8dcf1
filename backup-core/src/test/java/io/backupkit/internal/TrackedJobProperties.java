package io.backupkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.BackupException;
import io.backupkit.Job;
import io.backupkit.JobKind;
import io.backupkit.JobProgress;
import io.backupkit.JobState;
import io.backupkit.Phase;
import io.backupkit.Progress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The job's percent on random report sequences (phases in any order, rows and bytes going up and
 * down, as a restore's safety backup restarts its own counts): it never goes down, stays below 100
 * until the job succeeded, and reaches 100 exactly then.
 */
class TrackedJobProperties {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T10:00:00Z"), ZoneOffset.UTC);

    @Provide
    Arbitrary<List<Progress>> reports() {
        Arbitrary<Progress> one = Combinators.combine(
                Arbitraries.of(Phase.class),
                Arbitraries.longs().between(0, 5_000),
                Arbitraries.longs().between(0, 5_000),
                Arbitraries.longs().between(0, 1 << 24),
                Arbitraries.longs().between(0, 1 << 24))
                .as((phase, done, total, bytes, bytesTotal) -> new Progress(phase, null, done, total, bytes, bytesTotal));
        return one.list().ofMaxSize(60);
    }

    @Property(tries = 300)
    void percentIsMonotonicAndHundredOnlyOnSuccess(@ForAll("reports") List<Progress> reports,
                                                   @ForAll JobKind kind, @ForAll boolean deep,
                                                   @ForAll boolean fails) {
        TrackedJob<String> job = new TrackedJob<>("job-x", kind, "alice", null, CLOCK.instant(),
                JobRunner.weights(kind, deep), null, CLOCK, "cancelled", null, listener -> {
                    reports.forEach(listener::onProgress);
                    if (fails) {
                        throw new BackupException("store unreachable");
                    }
                    return "result";
                });
        List<JobProgress> seen = new ArrayList<>();
        List<JobState> states = new ArrayList<>();
        job.subscribe(j -> {
            seen.add(j.progress());
            states.add(j.state());
        });
        job.run();

        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i).percent()).isGreaterThanOrEqualTo(seen.get(i - 1).percent());
        }
        for (int i = 0; i < seen.size(); i++) {
            assertThat(seen.get(i).percent() == 100).isEqualTo(states.get(i) == JobState.SUCCEEDED);
        }
        assertThat(job.state()).isEqualTo(fails ? JobState.FAILED : JobState.SUCCEEDED);
        assertThat(job.progress().percent() == 100).isEqualTo(!fails);
        assertThat(job.error().isPresent()).isEqualTo(fails);
        assertThat(job.result().isPresent()).isEqualTo(!fails);
        assertThat(job.progress().finishedAt()).isEqualTo(CLOCK.instant());
        assertThat(job.progress().eta()).isNull();
    }

    @Property(tries = 50)
    void aQueuedJobCancelledNeverRuns(@ForAll JobKind kind) {
        boolean[] ran = new boolean[1];
        TrackedJob<String> job = new TrackedJob<>("job-y", kind, "alice", null, CLOCK.instant(),
                JobRunner.weights(kind, false), null, CLOCK, "the job was cancelled", null, listener -> {
                    ran[0] = true;
                    return "result";
                });
        assertThat(job.cancel()).isTrue();
        job.run();
        assertThat(ran[0]).isFalse();
        assertThat(job.state()).isEqualTo(JobState.CANCELLED);
        assertThat(job.error()).contains("the job was cancelled");
        assertThat(job.cancel()).isFalse();
        Job<String> asJob = job;
        assertThat(asJob.progress().startedAt()).isNull();
    }
}
