package io.backupkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.Phase;
import io.backupkit.Progress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the terminal progress bar draws for a backup's and a restore's phases. */
class ProgressBarTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private long now = 1_000_000_000L;
    private final ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), () -> now);

    private String drawn() {
        String all = bytes.toString(StandardCharsets.UTF_8);
        bytes.reset();
        return all;
    }

    @Test
    void restorePhasesShowBytesWhileVerifyingThenRowsThenANewLineAtTheEnd() {
        bar.onProgress(new Progress(Phase.VERIFY, null, 0, 0, 512, 2048));
        assertThat(drawn()).startsWith("\r[#######").contains(" 25% verify").contains("512/2,048 bytes");

        now += 110_000_000L; // the bar redraws at most every 100 ms
        bar.onProgress(new Progress(Phase.STAGE, "tickets", 1500, 2000, 4096));
        assertThat(drawn()).contains(" 75% stage").contains("1,500/2,000 rows").contains("tickets")
                .doesNotContain("\n");

        bar.onProgress(new Progress(Phase.STAGE, "tickets", 1600, 2000, 4096));
        assertThat(drawn()).as("not redrawn within 100 ms").isEmpty();

        now += 110_000_000L;
        bar.onProgress(new Progress(Phase.SAFETY_BACKUP, "users", 10, 40, 100));
        assertThat(drawn()).contains("safety backup").contains("10/40 rows");

        bar.onProgress(new Progress(Phase.DONE, null, 2000, 2000, 4096));
        assertThat(drawn()).contains("100% done").endsWith(System.lineSeparator());
    }
}
