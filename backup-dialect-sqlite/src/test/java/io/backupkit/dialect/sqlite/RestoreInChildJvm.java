package io.backupkit.dialect.sqlite;

import io.backupkit.BackupService;
import io.backupkit.RestoreOptions;
import io.backupkit.RestoreResult;
import io.backupkit.spi.WriteGate;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Restores a backup into a live database and exits: the process that {@link RestoreCrashTest}
 * kills with {@code kill -9} at random points.
 *
 * <pre>
 * java -cp CLASSPATH io.backupkit.dialect.sqlite.RestoreInChildJvm LIVE_DB STORE_FOLDER TEMP_DIR BACKUP_ID [HANG]
 * </pre>
 *
 * Prints {@code START} once the service is built and the restore begins, and {@code RESTORED}
 * when it has finished. With {@code HANG} = {@code before-swap} or {@code after-swap}, the write
 * gate prints {@code HANGING} and sleeps when it is closed (just before the swap) or opened again
 * (just after the rename), so that a kill lands exactly there.
 */
public final class RestoreInChildJvm {

    private RestoreInChildJvm() {
    }

    public static void main(String[] args) {
        if (args.length != 4 && args.length != 5) {
            System.err.println("usage: RestoreInChildJvm LIVE_DB STORE_FOLDER TEMP_DIR BACKUP_ID [before-swap|after-swap]");
            System.exit(2);
        }
        String hang = args.length == 5 ? args[4] : "";
        BackupService service = RestoreTestKit.service(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]));
        WriteGate gate = new WriteGate() {
            @Override
            public void close(Duration maxWait) {
                if (hang.equals("before-swap")) {
                    hang();
                }
            }

            @Override
            public void open() {
                if (hang.equals("after-swap")) {
                    hang();
                }
            }
        };
        System.out.println("START");
        System.out.flush();
        RestoreResult result = service.restore(args[3], RestoreOptions.builder().writeGate(gate)
                .maxWritePause(Duration.ofMinutes(5)).build());
        System.out.println("RESTORED in " + result.duration().toMillis() + " ms");
        System.out.flush();
    }

    private static void hang() {
        System.out.println("HANGING");
        System.out.flush();
        try {
            Thread.sleep(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
