package io.backupkit.internal;

import io.backupkit.BackupCatalog;
import io.backupkit.BackupManifest;
import io.backupkit.ManifestEntry;
import io.backupkit.MediaRestoreMode;
import io.backupkit.MediaRestoreResult;
import io.backupkit.spi.MediaObject;
import io.backupkit.spi.MediaSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a backup's media files back into a writable {@link MediaSource} after a full restore: files
 * that are missing (and, in {@link MediaRestoreMode#OVERWRITE}, files whose content differs). Never
 * deletes. Each file is first copied to a temporary file and checked against the manifest's size
 * and SHA-256; only verified bytes are handed to {@link MediaSource#write}, so a target that retries
 * a request (as the S3 SDK does, re-sending what it buffered) can never store bytes that were not
 * checked. The temporary file is deleted right after.
 */
public final class MediaRestorer {

    private static final Logger LOG = LoggerFactory.getLogger(MediaRestorer.class);

    private MediaRestorer() {
    }

    /** Restores the media of {@code manifest} into {@code target} as {@code mode} says. */
    public static MediaRestoreResult restore(BackupCatalog catalog, BackupManifest manifest, MediaSource target,
                                             MediaRestoreMode mode, java.nio.file.Path tempDirectory) {
        return restore(catalog, manifest, target, mode, tempDirectory, name -> true);
    }

    /** As above, for the media names {@code include} accepts only (a selective restore's files). */
    public static MediaRestoreResult restore(BackupCatalog catalog, BackupManifest manifest, MediaSource target,
                                             MediaRestoreMode mode, java.nio.file.Path tempDirectory,
                                             java.util.function.Predicate<String> include) {
        List<ManifestEntry> media = manifest.entries().stream()
                .filter(e -> e.kind() == ManifestEntry.Kind.MEDIA)
                .filter(e -> include.test(e.name().substring(ArchiveLayout.MEDIA_PREFIX.length()))).toList();
        if (media.isEmpty() || mode == MediaRestoreMode.SKIP) {
            return MediaRestoreResult.NONE;
        }
        if (target == null || !target.writable()) {
            LOG.warn("backup {} holds {} media files, but {}; they were not put back (they can be extracted from "
                    + "the archive's media/ folder)", manifest.id(), media.size(),
                    target == null ? "the service has no media source" : "media source " + target.description()
                            + " is read-only");
            return MediaRestoreResult.NONE;
        }
        Map<String, Long> live = new HashMap<>();
        try {
            for (MediaObject object : target.list()) {
                live.put(object.name(), object.size());
            }
        } catch (IOException e) {
            String reason = "listing media source " + target.description() + " failed: " + e.getMessage();
            LOG.warn("backup {}: {}; no media put back", manifest.id(), reason);
            return new MediaRestoreResult(List.of(), 0, List.of(), List.of("*: " + reason), 0);
        }
        List<String> restored = new ArrayList<>();
        List<String> conflicts = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        int[] unchanged = {0};
        long[] bytes = {0};
        catalog.forEachMediaEntry(manifest.id(), manifest, (entry, content) -> {
            String name = entry.name().substring(ArchiveLayout.MEDIA_PREFIX.length());
            if (!include.test(name)) {
                return; // not asked for; the catalog still checks its bytes
            }
            Long liveSize = live.get(name);
            if (liveSize != null) {
                boolean same;
                try {
                    same = liveSize == entry.size() && sameContent(target, name, entry.sha256());
                } catch (IOException e) {
                    failed.add(name + ": reading the live file failed: " + e.getMessage());
                    return;
                }
                if (same) {
                    unchanged[0]++;
                    return;
                }
                if (mode != MediaRestoreMode.OVERWRITE) {
                    conflicts.add(name);
                    return;
                }
            }
            java.nio.file.Path temp = null;
            try {
                java.nio.file.Files.createDirectories(tempDirectory);
                temp = java.nio.file.Files.createTempFile(tempDirectory, "backupkit-media-", ".tmp");
                MessageDigest digest = Sha256.newDigest();
                long copied;
                try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(temp)) {
                    copied = new java.security.DigestInputStream(content, digest).transferTo(out);
                }
                if (copied != entry.size() || !Sha256.hex(digest.digest()).equals(entry.sha256())) {
                    throw new IOException("entry '" + entry.name() + "' does not match the manifest's size and SHA-256");
                }
                target.write(name, temp);
                restored.add(name);
                bytes[0] += entry.size();
            } catch (IOException | RuntimeException e) {
                failed.add(name + ": " + e.getMessage());
            } finally {
                if (temp != null) {
                    try {
                        java.nio.file.Files.deleteIfExists(temp);
                    } catch (IOException e) {
                        LOG.warn("could not delete temporary media file {}: {}", temp, e.toString());
                    }
                }
            }
        });
        MediaRestoreResult result = new MediaRestoreResult(restored, unchanged[0], conflicts, failed, bytes[0]);
        LOG.info("backup {}: media put back into {}: {} written, {} unchanged, {} left as they are (other content), "
                + "{} failed", manifest.id(), target.description(), restored.size(), unchanged[0], conflicts.size(),
                failed.size());
        if (!failed.isEmpty()) {
            LOG.warn("backup {}: media files not put back: {}", manifest.id(), failed);
        }
        return result;
    }

    private static boolean sameContent(MediaSource target, String name, String sha256) throws IOException {
        MessageDigest digest = Sha256.newDigest();
        try (InputStream in = new java.security.DigestInputStream(target.open(name), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (NoSuchFileException e) {
            return false;
        }
        return Sha256.hex(digest.digest()).equals(sha256);
    }
}
