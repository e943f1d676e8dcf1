package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.BackupManifest;
import io.backupkit.BackupService;
import io.backupkit.BackupStatus;
import io.backupkit.LocalFolderStore;
import io.backupkit.StorageException;
import io.backupkit.testing.FailingStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a settings page shows: the last backup, its age, what the store keeps, the last failure. */
class BackupStatusTest {

    @TempDir
    Path work;

    @Test
    void statusFollowsBackupsAndFailures() throws Exception {
        Path db = SqliteTestTools.copyDataset("northwind.sqlite", work);
        LocalFolderStore store = LocalFolderStore.at(work.resolve("store"));
        BackupService service = BackupService.builder().dataSource(FaultTestKit.dataSource(db)).store(store).build();
        BackupService failing = BackupService.builder().dataSource(FaultTestKit.dataSource(db))
                .store(new FailingStore(store, 1000)).build();

        BackupStatus empty = service.status();
        assertThat(empty.lastBackup()).isNull();
        assertThat(empty.backupsKept()).isZero();

        BackupManifest first = service.backup();
        BackupStatus afterFirst = service.status();
        assertThat(afterFirst.lastBackup().id()).isEqualTo(first.id());
        assertThat(afterFirst.lastBackupAge().isNegative()).isFalse();
        assertThat(afterFirst.backupsKept()).isEqualTo(1);
        assertThat(afterFirst.storeBytes()).isEqualTo(service.info(first.id()).sizeBytes());
        assertThat(afterFirst.lastFailure()).isNull();

        assertThatThrownBy(failing::backup).isInstanceOf(StorageException.class);
        BackupStatus afterFailure = failing.status();
        assertThat(afterFailure.lastFailure()).contains("No space left");
        assertThat(afterFailure.lastFailureAt()).isNotNull();
        assertThat(afterFailure.lastBackup().id()).isEqualTo(first.id());

        BackupManifest second = service.backup();
        assertThat(service.status().backupsKept()).isEqualTo(2);
        assertThat(service.status().lastBackup().id()).isEqualTo(second.id());
        // A success after the failure clears it from the status of the service that failed too.
        assertThat(failing.status().lastFailure()).isNull();
    }
}
