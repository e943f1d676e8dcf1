package io.backupkit.dialect.postgres;

import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import io.backupkit.RestoreOptions;
import java.nio.file.Path;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Restores a PostgreSQL backup and exits: the process that {@link RestoreCrashTest} kills.
 *
 * <pre>
 * java -cp CLASSPATH io.backupkit.dialect.postgres.RestoreInChildJvm JDBC_URL STORE_FOLDER BACKUP_ID [hang]
 * </pre>
 *
 * Prints {@code START} when the restore begins and {@code RESTORED} when it is done. With
 * {@code hang}, the after-restore callback prints {@code STAGED} and sleeps: the staging schema is
 * then fully built, inside the restore's open transaction, and a kill lands exactly there.
 */
public final class RestoreInChildJvm {

    private RestoreInChildJvm() {
    }

    public static void main(String[] args) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(args[0]);
        BackupService service = BackupService.builder().dataSource(ds).dialect(new PostgresDialect())
                .store(LocalFolderStore.at(Path.of(args[1]))).build();
        boolean hang = args.length > 3 && args[3].equals("hang");
        System.out.println("START");
        System.out.flush();
        service.restore(args[2], RestoreOptions.builder().afterRestore((staged, manifest) -> {
            if (hang) {
                System.out.println("STAGED");
                System.out.flush();
                Thread.sleep(60_000);
            }
        }).build());
        System.out.println("RESTORED");
        System.out.flush();
    }
}
