package io.backupkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.spi.Store;
import io.backupkit.spi.StoreContractTest;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class LocalFolderStoreTest extends StoreContractTest {

    @TempDir
    Path root;

    /** A folder that does not exist yet, so every test also covers creating it. */
    private Path folder() {
        return root.resolve("backups");
    }

    @Override
    protected Store createStore() {
        return LocalFolderStore.at(folder());
    }

    @Override
    protected void assertNoLeftovers(Store store) throws IOException {
        assertThat(tempFiles()).as("temporary files in %s", folder()).isEmpty();
    }

    private List<Path> tempFiles() throws IOException {
        try (Stream<Path> files = Files.list(folder())) {
            return files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    @Test
    void describesItselfByAbsolutePath() {
        assertThat(store.description()).isEqualTo("file:" + folder().toAbsolutePath());
    }

    @Test
    void createsMissingParents() {
        Path nested = root.resolve("a/b/c");

        LocalFolderStore.at(nested);

        assertThat(nested).isDirectory();
    }

    @Test
    void folderThatIsARegularFileIsRejectedByName() throws IOException {
        Path file = Files.writeString(root.resolve("not-a-folder"), "x");

        assertThatThrownBy(() -> LocalFolderStore.at(file))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("is a file, not a folder");
    }

    @Test
    void folderUnderARegularFileIsRejectedNamingTheFile() throws IOException {
        Path file = Files.writeString(root.resolve("plain-file"), "x");
        Path folder = file.resolve("backups");

        assertThatThrownBy(() -> LocalFolderStore.at(folder))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(folder.toString())
                .hasMessageContaining(file + " is a file, not a folder");
    }

    @Test
    void uploadWritesToAHiddenLockedTempFileUntilCommit() throws IOException {
        try (Store.Upload upload = store.upload("backup.tar")) {
            upload.stream().write(new byte[] {1, 2, 3});
            upload.stream().flush();

            assertThat(tempFiles()).singleElement()
                    .satisfies(p -> assertThat(p.getFileName().toString()).startsWith(".backup.tar.").endsWith(".tmp"));
            assertThat(folder().resolve("backup.tar")).doesNotExist();

            upload.commit();
        }
        assertThat(folder().resolve("backup.tar")).hasBinaryContent(new byte[] {1, 2, 3});
    }

    @Test
    void listShowsOnlyCommittedObjects() throws IOException {
        write(store, "object", new byte[] {1});
        Files.createDirectory(folder().resolve("a-directory"));
        Files.writeString(folder().resolve(".hidden"), "x");
        Files.writeString(folder().resolve("odd..name"), "x"); // one we would refuse to open

        assertThat(store.list()).containsExactly("object");
    }

    @Test
    void crashLeftoversAreCleanedUpOnAt() throws IOException {
        LocalFolderStore first = LocalFolderStore.at(folder());
        write(first, "kept", new byte[] {7});
        Path leftover = Files.write(folder().resolve(".x.abc.tmp"), new byte[1000]);

        LocalFolderStore reopened = LocalFolderStore.at(folder());

        assertThat(leftover).doesNotExist();
        assertThat(reopened.list()).containsExactly("kept");
        assertThat(read(reopened, "kept")).containsExactly(7);
    }

    @Test
    void liveUploadOfThisJvmIsNotCleanedUp() throws IOException {
        LocalFolderStore local = LocalFolderStore.at(folder());
        try (Store.Upload upload = local.upload("in-progress")) {
            upload.stream().write(new byte[] {1, 2});
            List<Path> temps = tempFiles();

            assertThat(LocalFolderStore.at(folder()).cleanUpAbandonedUploads()).isZero();
            assertThat(local.cleanUpAbandonedUploads()).isZero();

            assertThat(tempFiles()).isEqualTo(temps).hasSize(1);
            upload.commit();
        }
        assertThat(read(local, "in-progress")).containsExactly(1, 2);
    }

    @Test
    void fileLockedElsewhereInThisJvmIsNotCleanedUp() throws IOException {
        LocalFolderStore local = LocalFolderStore.at(folder());
        Path foreign = Files.write(folder().resolve(".y.other.tmp"), new byte[10]);

        try (FileChannel channel = FileChannel.open(foreign, StandardOpenOption.WRITE);
                FileLock lock = channel.lock()) {
            assertThat(lock.isValid()).isTrue();
            assertThat(local.cleanUpAbandonedUploads()).isZero();
            assertThat(foreign).exists();
        }

        assertThat(local.cleanUpAbandonedUploads()).isEqualTo(1);
        assertThat(foreign).doesNotExist();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void leftoverLockedByAnotherProcessIsKeptUntilThatProcessIsKilled() throws Exception {
        LocalFolderStore local = LocalFolderStore.at(folder());
        Path leftover = Files.write(folder().resolve(".z.child.tmp"), new byte[10]);
        Process child = startChildJvm(LockHolder.HOLD, leftover);
        try {
            assertThat(child.inputReader(StandardCharsets.UTF_8).readLine()).isEqualTo(LockHolder.LOCKED);

            assertThat(local.cleanUpAbandonedUploads()).isZero();
            assertThat(leftover).exists();
        } finally {
            // Killed on purpose, as a crash would: it cannot release anything itself.
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("child JVM exited").isTrue();
        }

        assertThat(local.cleanUpAbandonedUploads()).isEqualTo(1);
        assertThat(leftover).doesNotExist();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void cleanupDoesNotUnlockLiveUploadsOfThisJvm() throws Exception {
        // On POSIX, closing any descriptor of a file drops all of this process's locks on it, so a
        // cleanup that merely probed our own upload's file would expose it to other processes.
        try (Store.Upload upload = store.upload("guarded")) {
            upload.stream().write(1);
            Path temp = tempFiles().get(0);

            ((LocalFolderStore) store).cleanUpAbandonedUploads();
            LocalFolderStore.at(folder()).cleanUpAbandonedUploads();

            Process probe = startChildJvm(LockHolder.PROBE, temp);
            assertThat(probe.waitFor(30, TimeUnit.SECONDS)).as("probe JVM exited").isTrue();
            assertThat(probe.inputReader(StandardCharsets.UTF_8).readLine()).isEqualTo(LockHolder.BUSY);

            upload.commit();
        }
        assertThat(read(store, "guarded")).containsExactly(1);
    }

    private static Process startChildJvm(String mode, Path file) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path classes = Path.of(LockHolder.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return new ProcessBuilder(java.toString(), "-cp", classes.toString(), LockHolder.class.getName(), mode, file.toString())
                .redirectErrorStream(true)
                .start();
    }

    /** Runs in a child JVM, a process of its own, using JDK classes only. */
    static final class LockHolder {
        static final String HOLD = "hold";
        static final String PROBE = "probe";
        static final String LOCKED = "locked";
        static final String BUSY = "busy";

        /**
         * {@code hold FILE}: locks the file like a live upload and waits to be killed.
         * {@code probe FILE}: says whether another process holds a lock on it.
         */
        public static void main(String[] args) throws Exception {
            try (FileChannel channel = FileChannel.open(Path.of(args[1]), StandardOpenOption.WRITE)) {
                if (args[0].equals(HOLD)) {
                    System.out.println(channel.lock().isValid() ? LOCKED : "lock failed");
                    System.out.flush();
                    Thread.sleep(TimeUnit.MINUTES.toMillis(5));
                } else {
                    System.out.println(channel.tryLock() == null ? BUSY : "free");
                }
            }
        }
    }

    @Test
    void failedWriteIsNeverPublished() throws IOException {
        try (Store.Upload upload = store.upload("interrupted")) {
            OutputStream out = upload.stream();
            out.write(new byte[100_000]);
            // An interrupt closes the FileChannel under the next write: a real I/O failure.
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> out.write(new byte[100_000])).isInstanceOf(IOException.class);
            } finally {
                Thread.interrupted();
            }

            assertThatThrownBy(upload::commit)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("refusing to publish");
        }
        assertThat(store.list()).isEmpty();
    }

    @Test
    void writingAfterCommitOrAbortFails() throws IOException {
        Store.Upload committed = store.upload("done");
        committed.commit();
        assertThatThrownBy(() -> committed.stream().write(1)).isInstanceOf(IOException.class).hasMessageContaining("committed");

        Store.Upload aborted = store.upload("dropped");
        aborted.abort();
        assertThatThrownBy(() -> aborted.stream().write(1)).isInstanceOf(IOException.class).hasMessageContaining("aborted");
        assertThatThrownBy(aborted::commit).isInstanceOf(IllegalStateException.class);

        assertThat(store.list()).containsExactly("done");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void racingCommitsOfOneNameHaveExactlyOneWinner() throws Exception {
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<Integer>> results = new ArrayList<>();
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Store.Upload> uploads = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                Store.Upload upload = store.upload("contested"); // all pass the early check
                upload.stream().write(randomBytes(100_000, i));
                uploads.add(upload);
            }
            for (int i = 0; i < writers; i++) {
                int writer = i;
                Store.Upload upload = uploads.get(i);
                results.add(pool.submit(() -> {
                    start.await();
                    try (upload) {
                        upload.commit();
                        return writer;
                    } catch (FileAlreadyExistsException e) {
                        return -1;
                    }
                }));
            }
            start.countDown();
        } finally {
            pool.shutdown();
        }
        List<Integer> winners = new ArrayList<>();
        for (Future<Integer> result : results) {
            if (result.get() >= 0) {
                winners.add(result.get());
            }
        }

        assertThat(winners).hasSize(1);
        assertThat(read(store, "contested")).isEqualTo(randomBytes(100_000, winners.get(0)));
    }
}
