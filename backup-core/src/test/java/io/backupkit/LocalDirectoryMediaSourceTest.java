package io.backupkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.spi.MediaObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalDirectoryMediaSourceTest {

    @TempDir
    Path dir;

    @Test
    void listsFilesInSubfoldersSortedWithSlashNamesAndSizes() throws IOException {
        Path root = Files.createDirectories(dir.resolve("media"));
        Files.createDirectories(root.resolve("b/c"));
        Files.write(root.resolve("b/c/x y.bin"), new byte[3]);
        Files.write(root.resolve("a.txt"), new byte[0]);
        Files.write(root.resolve("é.txt"), new byte[1]);
        Files.createDirectories(root.resolve("empty-folder"));

        List<MediaObject> listed = LocalDirectoryMediaSource.at(root).list();

        assertThat(listed).extracting(MediaObject::name).containsExactly("a.txt", "b/c/x y.bin", "é.txt");
        assertThat(listed).extracting(MediaObject::size).containsExactly(0L, 3L, 1L);
        assertThat(listed).allSatisfy(o -> assertThat(o.modified()).isNotNull());
        try (InputStream in = LocalDirectoryMediaSource.at(root).open("b/c/x y.bin")) {
            assertThat(in.readAllBytes()).hasSize(3);
        }
    }

    @Test
    void symlinksLeavingTheFolderAreSkippedAndRefused() throws IOException {
        Path root = Files.createDirectories(dir.resolve("media"));
        Path outside = Files.writeString(dir.resolve("secret.txt"), "secret");
        Files.writeString(root.resolve("inside.txt"), "inside");
        Files.createSymbolicLink(root.resolve("out-link"), outside);
        Files.createSymbolicLink(root.resolve("out-dir"), dir);
        Files.createSymbolicLink(root.resolve("in-link"), root.resolve("inside.txt"));
        Files.createSymbolicLink(root.resolve("dangling"), dir.resolve("nothing"));
        LocalDirectoryMediaSource source = LocalDirectoryMediaSource.at(root);

        assertThat(source.list()).extracting(MediaObject::name).containsExactly("in-link", "inside.txt");
        assertThatThrownBy(() -> source.open("out-link")).isInstanceOf(IOException.class)
                .hasMessageContaining("not a file inside the folder");
        assertThatThrownBy(() -> source.open("out-dir/secret.txt")).isInstanceOf(IOException.class)
                .hasMessageContaining("not a file inside the folder");
        assertThatThrownBy(() -> source.open("../secret.txt")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> source.open("/etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> source.open("gone.txt")).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void mediaNamesMustBeRelative() {
        for (String bad : List.of("", "/a", "a/", "a//b", "./a", "a/../b", "..", "a\\b")) {
            assertThatThrownBy(() -> new MediaObject(bad, 0, null)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new MediaObject("a", -1, null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new MediaObject("a b/ü.c", 0, null).name()).isEqualTo("a b/ü.c");
    }
}
