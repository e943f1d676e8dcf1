package io.backupkit.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every {@link Store} must show, run against each implementation, as Litestream runs
 * one replica-client suite against every backend. A store's own test extends this class:
 *
 * <pre>{@code
 * class LocalFolderStoreTest extends StoreContractTest {
 *     @TempDir Path folder;
 *
 *     @Override
 *     protected Store createStore() {
 *         return LocalFolderStore.at(folder);
 *     }
 * }
 * }</pre>
 *
 * <p>Shipped in {@code backup-core}'s test-jar so storage modules can extend it. The test methods
 * are public so that a subclass in another package can override one, for example to add a
 * backend-specific check; disabling a case means the backend breaks the {@link Store} contract.
 */
public abstract class StoreContractTest {

    private static final int MIB = 1024 * 1024;

    /** A fresh store for each test, as {@link #createStore()} returned it. */
    protected Store store;

    /** Returns a new, empty store; called once per test. */
    protected abstract Store createStore() throws Exception;

    /**
     * Fails if the backend still holds parts of uploads that were aborted or never committed
     * (temporary files, multipart uploads). Called after each test, when every upload is closed.
     */
    protected void assertNoLeftovers(Store store) throws Exception {
    }

    @BeforeEach
    void createFreshStore() throws Exception {
        store = createStore();
        assertThat(store.list()).as("a fresh store must be empty").isEmpty();
    }

    @AfterEach
    void leavesNothingBehind() throws Exception {
        assertNoLeftovers(store);
    }

    @Test
    public void committedObjectIsListedAndReadBack() throws Exception {
        byte[] content = "hello, backups".getBytes(StandardCharsets.UTF_8);

        write(store, "a.tar.zst", content);

        assertThat(store.list()).containsExactly("a.tar.zst");
        assertThat(read(store, "a.tar.zst")).isEqualTo(content);
    }

    @Test
    public void largeObjectRoundTripsByteForByte() throws Exception {
        byte[] content = randomBytes(5 * MIB, 42);

        try (Store.Upload upload = store.upload("big.bin")) {
            OutputStream out = upload.stream();
            // Odd-sized chunks and single bytes, so buffer boundaries fall everywhere.
            int offset = 0;
            while (offset < content.length) {
                int chunk = Math.min(content.length - offset, 100_003);
                out.write(content, offset, chunk);
                offset += chunk;
                if (offset < content.length) {
                    out.write(content[offset++]);
                }
            }
            upload.commit();
        }

        assertThat(read(store, "big.bin")).isEqualTo(content);
    }

    @Test
    public void emptyObjectRoundTrips() throws Exception {
        write(store, "empty", new byte[0]);

        assertThat(store.list()).containsExactly("empty");
        assertThat(read(store, "empty")).isEmpty();
    }

    @Test
    public void uncommittedUploadIsNeitherListedNorOpenable() throws Exception {
        try (Store.Upload upload = store.upload("pending")) {
            upload.stream().write(randomBytes(200_000, 1));
            upload.stream().flush();

            assertThat(store.list()).isEmpty();
            assertThatThrownBy(() -> store.open("pending")).isInstanceOf(NoSuchFileException.class);

            upload.commit();
        }
        assertThat(store.list()).containsExactly("pending");
    }

    @Test
    public void abortLeavesNothing() throws Exception {
        Store.Upload upload = store.upload("aborted");
        upload.stream().write(randomBytes(300_000, 2));

        upload.abort();
        upload.abort(); // idempotent
        upload.close();

        assertThat(store.list()).isEmpty();
        assertThatThrownBy(() -> store.open("aborted")).isInstanceOf(NoSuchFileException.class);
        assertNoLeftovers(store);
    }

    @Test
    public void closeWithoutCommitAborts() throws Exception {
        try (Store.Upload upload = store.upload("closed")) {
            upload.stream().write(randomBytes(1000, 3));
        }

        assertThat(store.list()).isEmpty();
        assertThatThrownBy(() -> store.open("closed")).isInstanceOf(NoSuchFileException.class);
        assertNoLeftovers(store);
    }

    @Test
    public void closingTheStreamDoesNotEndTheUpload() throws Exception {
        // Callers wrap the stream in a compressor and close that before committing.
        try (Store.Upload upload = store.upload("wrapped")) {
            OutputStream out = upload.stream();
            out.write(1);
            out.close();
            upload.commit();
        }

        assertThat(read(store, "wrapped")).containsExactly(1);
    }

    @Test
    public void uploadToAnExistingNameFailsAndKeepsTheOriginal() throws Exception {
        byte[] original = randomBytes(10_000, 4);
        write(store, "taken", original);

        assertThatThrownBy(() -> write(store, "taken", randomBytes(20_000, 5)))
                .isInstanceOf(FileAlreadyExistsException.class);

        assertThat(store.list()).containsExactly("taken");
        assertThat(read(store, "taken")).isEqualTo(original);
    }

    @Test
    public void nameTakenWhileUploadingFailsAtCommitAndKeepsTheWinner() throws Exception {
        byte[] winner = randomBytes(10_000, 6);
        try (Store.Upload loser = store.upload("raced")) {
            loser.stream().write(randomBytes(20_000, 7));

            write(store, "raced", winner);

            assertThatThrownBy(loser::commit).isInstanceOf(FileAlreadyExistsException.class);
        }

        assertThat(store.list()).containsExactly("raced");
        assertThat(read(store, "raced")).isEqualTo(winner);
    }

    @Test
    public void replaceRewritesAnExistingObjectOrCreatesIt() throws Exception {
        write(store, "side.json", "old".getBytes(StandardCharsets.UTF_8));
        try (Store.Upload upload = store.replace("side.json")) {
            upload.stream().write("new and longer".getBytes(StandardCharsets.UTF_8));
            // Until the commit, readers still see the old object.
            assertThat(read(store, "side.json")).isEqualTo("old".getBytes(StandardCharsets.UTF_8));
            upload.commit();
        }
        assertThat(read(store, "side.json")).isEqualTo("new and longer".getBytes(StandardCharsets.UTF_8));
        try (Store.Upload upload = store.replace("fresh.json")) {
            upload.stream().write(new byte[] {7});
            upload.commit();
        }
        assertThat(store.list()).containsExactly("fresh.json", "side.json");
    }

    @Test
    public void anAbortedReplaceKeepsTheOriginal() throws Exception {
        write(store, "side.json", "old".getBytes(StandardCharsets.UTF_8));
        try (Store.Upload upload = store.replace("side.json")) {
            upload.stream().write("half".getBytes(StandardCharsets.UTF_8));
            upload.abort();
        }
        assertThat(store.list()).containsExactly("side.json");
        assertThat(read(store, "side.json")).isEqualTo("old".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    public void deleteRemovesAndDeletingAbsentIsFine() throws Exception {
        write(store, "keep", new byte[] {1});
        write(store, "drop", new byte[] {2});

        store.delete("drop");
        assertThatCode(() -> store.delete("drop")).doesNotThrowAnyException();
        assertThatCode(() -> store.delete("never-existed")).doesNotThrowAnyException();

        assertThat(store.list()).containsExactly("keep");
        assertThatThrownBy(() -> store.open("drop")).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    public void openingAMissingNameThrowsNoSuchFile() {
        assertThatThrownBy(() -> store.open("missing")).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    public void listIsSorted() throws Exception {
        List<String> names = List.of("20261126T101500123Z-b.tar.zst", "20261126T101500123Z-a.tar.zst",
                "20251231T235959999Z-z.json", "c", "B", "a-10", "a-2");
        for (String name : names) {
            write(store, name, name.getBytes(StandardCharsets.UTF_8));
        }

        assertThat(store.list()).isSorted().containsExactlyInAnyOrderElementsOf(names);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    public void concurrentUploadsAllSucceedIntact() throws Exception {
        int writers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                int writer = i;
                results.add(pool.submit(() -> {
                    start.await();
                    write(store, "object-" + writer, randomBytes(MIB + writer, writer));
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> result : results) {
                result.get();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(store.list()).hasSize(writers);
        for (int i = 0; i < writers; i++) {
            assertThat(read(store, "object-" + i)).as("object-%d", i).isEqualTo(randomBytes(MIB + i, i));
        }
    }

    @Test
    public void writerFailingMidStreamThenAbortingLeavesNothing() throws Exception {
        IOException sourceFailure = new IOException("database connection lost");

        assertThatThrownBy(() -> {
            try (Store.Upload upload = store.upload("half")) {
                upload.stream().write(randomBytes(MIB, 8));
                throw sourceFailure;
            }
        }).isSameAs(sourceFailure);

        assertThat(store.list()).isEmpty();
        assertThatThrownBy(() -> store.open("half")).isInstanceOf(NoSuchFileException.class);
        assertNoLeftovers(store);
    }

    @Test
    public void invalidNamesAreRejected() {
        for (String name : List.of("", "a/b", "/abs", "a\\b", ".hidden", ".", "..", "../escape", "a..b", "nul\0byte")) {
            assertThatThrownBy(() -> store.upload(name)).as("upload(%s)", name).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.open(name)).as("open(%s)", name).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.delete(name)).as("delete(%s)", name).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> store.upload(null)).isInstanceOf(NullPointerException.class);
    }

    /** Uploads {@code content} as {@code name} and commits it. */
    protected static void write(Store store, String name, byte[] content) throws IOException {
        try (Store.Upload upload = store.upload(name)) {
            upload.stream().write(content);
            upload.commit();
        }
    }

    /** Reads a committed object completely. */
    protected static byte[] read(Store store, String name) throws IOException {
        try (InputStream in = store.open(name)) {
            return in.readAllBytes();
        }
    }

    /** Deterministic pseudo-random bytes, so a failure can be reproduced. */
    protected static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
