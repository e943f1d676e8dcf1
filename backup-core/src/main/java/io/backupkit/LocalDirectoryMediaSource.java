package io.backupkit;

import io.backupkit.spi.MediaObject;
import io.backupkit.spi.MediaSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Media kept in a local folder, subfolders included.
 *
 * <pre>{@code
 * BackupService.builder()
 *     .dataSource(dataSource)
 *     .store(LocalFolderStore.at(Path.of("/var/backups/app")))
 *     .mediaSource(LocalDirectoryMediaSource.at(Path.of("/var/app/uploads")))
 *     .build();
 * }</pre>
 *
 * <p>Names are paths relative to the folder with {@code /} separators. A symbolic link to a file
 * inside the folder is copied as that file; links to folders, and links that lead outside the
 * folder, are skipped (with a warning) and refused by {@link #open(String)}.
 *
 * <p>The source is {@linkplain #writable() writable}: a restore writes each file to a hidden
 * temporary file ({@value #TEMP_PREFIX}...) in the target folder, fsyncs it and renames it into
 * place, so a file appears complete or not at all. Listing skips such temporary files. Immutable and
 * thread-safe.
 */
public final class LocalDirectoryMediaSource implements MediaSource {

    private static final Logger LOG = LoggerFactory.getLogger(LocalDirectoryMediaSource.class);

    /** The name prefix of the temporary files that {@link #write} renames into place; never listed. */
    public static final String TEMP_PREFIX = ".backupkit-media-";

    private final Path root;

    private LocalDirectoryMediaSource(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** A source over a folder; the folder must exist when a backup lists it. */
    public static LocalDirectoryMediaSource at(Path folder) {
        return new LocalDirectoryMediaSource(Objects.requireNonNull(folder, "folder"));
    }

    @Override
    public String description() {
        return root.toUri().toString();
    }

    @Override
    public List<MediaObject> list() throws IOException {
        Path realRoot = root.toRealPath();
        List<MediaObject> objects = new ArrayList<>();
        Files.walkFileTree(realRoot, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                String name = nameOf(realRoot.relativize(file));
                if (file.getFileName().toString().startsWith(TEMP_PREFIX)) {
                    return FileVisitResult.CONTINUE; // a restore's write in progress
                }
                if (!MediaObject.isValidName(name)) {
                    LOG.warn("media source {}: skipping '{}', a name an archive cannot hold", description(), name);
                    return FileVisitResult.CONTINUE;
                }
                BasicFileAttributes target = attributes;
                if (attributes.isSymbolicLink()) {
                    try {
                        Path real = file.toRealPath();
                        target = Files.readAttributes(real, BasicFileAttributes.class);
                        if (!real.startsWith(realRoot) || !target.isRegularFile()) {
                            LOG.warn("media source {}: skipping '{}', a link to {} outside the folder or not a file",
                                    description(), name, real);
                            return FileVisitResult.CONTINUE;
                        }
                    } catch (NoSuchFileException e) {
                        LOG.warn("media source {}: skipping '{}', a dangling link", description(), name);
                        return FileVisitResult.CONTINUE;
                    }
                }
                if (target.isRegularFile()) {
                    objects.add(new MediaObject(name, target.size(), target.lastModifiedTime().toInstant()));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException && !file.equals(realRoot)) {
                    return FileVisitResult.CONTINUE; // deleted while walking
                }
                throw e;
            }
        });
        objects.sort(Comparator.comparing(MediaObject::name));
        return List.copyOf(objects);
    }

    @Override
    public InputStream open(String name) throws IOException {
        if (!MediaObject.isValidName(name)) {
            throw new IllegalArgumentException("not a relative media name: '" + name + "'");
        }
        Path realRoot = root.toRealPath();
        Path real = realRoot.resolve(name).toRealPath(); // NoSuchFileException when deleted
        if (!real.startsWith(realRoot) || !Files.isRegularFile(real)) {
            throw new IOException("media source " + description() + ": '" + name
                    + "' is not a file inside the folder");
        }
        return Files.newInputStream(real);
    }

    @Override
    public boolean writable() {
        return true;
    }

    @Override
    public void write(String name, Path content) throws IOException {
        if (!MediaObject.isValidName(name)) {
            throw new IllegalArgumentException("not a relative media name: '" + name + "'");
        }
        Path realRoot = root.toRealPath();
        Path target = realRoot.resolve(name).normalize();
        Path folder = target.getParent();
        Files.createDirectories(folder);
        if (!folder.toRealPath().startsWith(realRoot)) {
            throw new IOException("media source " + description() + ": '" + name + "' would be outside the folder");
        }
        if (Files.isSymbolicLink(target) || Files.isDirectory(target)) {
            throw new IOException("media source " + description() + ": '" + name + "' is a link or a folder");
        }
        Path temp = Files.createTempFile(folder, TEMP_PREFIX, ".tmp");
        try {
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(temp,
                    java.nio.file.StandardOpenOption.WRITE);
                 InputStream in = Files.newInputStream(content)) {
                in.transferTo(java.nio.channels.Channels.newOutputStream(channel));
                channel.force(true);
            }
            Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static String nameOf(Path relative) {
        StringBuilder name = new StringBuilder();
        for (Path part : relative) {
            if (name.length() > 0) {
                name.append('/');
            }
            name.append(part);
        }
        return name.toString();
    }

    @Override
    public String toString() {
        return "LocalDirectoryMediaSource[" + root + "]";
    }
}
