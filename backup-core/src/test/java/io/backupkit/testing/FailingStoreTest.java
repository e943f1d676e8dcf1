package io.backupkit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.LocalFolderStore;
import io.backupkit.spi.Store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailingStoreTest {

    @TempDir
    Path folder;

    @Test
    void acceptsUpToTheLimit() throws IOException {
        Store store = new FailingStore(LocalFolderStore.at(folder), 10);

        try (Store.Upload upload = store.upload("fits")) {
            upload.stream().write(new byte[6]);
            upload.stream().write(new byte[4]);
            upload.commit();
        }

        try (InputStream in = store.open("fits")) {
            assertThat(in.readAllBytes()).hasSize(10);
        }
    }

    @Test
    void failsOnceMoreThanTheLimitWasWrittenAndAbortLeavesNothing() throws IOException {
        Store store = new FailingStore(LocalFolderStore.at(folder), 10);

        try (Store.Upload upload = store.upload("too-big")) {
            OutputStream out = upload.stream();
            out.write(new byte[7]);
            assertThatThrownBy(() -> out.write(new byte[7]))
                    .isInstanceOf(IOException.class)
                    .hasMessage("No space left on device (simulated after 10 bytes)");
            assertThatThrownBy(() -> out.write(1)).isInstanceOf(IOException.class);
            upload.abort();
        }

        assertThat(store.list()).isEmpty();
        try (Stream<Path> files = Files.list(folder)) {
            assertThat(files).as("nothing left in the folder").isEmpty();
        }
    }

    @Test
    void singleByteWritesFailJustAfterTheLimit() throws IOException {
        Store store = new FailingStore(LocalFolderStore.at(folder), 3);

        try (Store.Upload upload = store.upload("bytes")) {
            OutputStream out = upload.stream();
            for (int i = 0; i < 3; i++) {
                out.write(i);
            }
            assertThatThrownBy(() -> out.write(3)).hasMessageContaining("after 3 bytes");
        }

        assertThat(store.list()).isEmpty();
    }

    @Test
    void eachUploadHasItsOwnBudget() throws IOException {
        Store store = new FailingStore(LocalFolderStore.at(folder), 5);

        for (String name : new String[] {"one", "two"}) {
            try (Store.Upload upload = store.upload(name)) {
                upload.stream().write(new byte[5]);
                upload.commit();
            }
        }

        assertThat(store.list()).containsExactly("one", "two");
    }
}
