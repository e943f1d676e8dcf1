package io.backupkit.cli;

import io.backupkit.LocalFolderStore;
import io.backupkit.spi.Store;
import io.backupkit.storage.s3.S3Store;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * Turns a {@code --store} argument into a store: a folder path, {@code file:/abs/path}, or
 * {@code s3://bucket/prefix?endpoint=...&region=...&pathStyle=true} with credentials from
 * {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY} (else the AWS SDK's default chain).
 */
final class StoreLocation {

    private StoreLocation() {
    }

    static Store open(String location, CommandLine commandLine) {
        if (location.startsWith("s3://")) {
            try {
                return S3Store.fromUri(location);
            } catch (IllegalArgumentException | IllegalStateException e) {
                // The message never quotes credentials; S3Store refuses them in the URI without echoing them.
                throw new CommandLine.ParameterException(commandLine, "invalid --store: " + e.getMessage());
            }
        }
        Path folder;
        if (location.startsWith("file:")) {
            try {
                folder = Path.of(URI.create(location));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(commandLine,
                        "invalid --store '" + location + "': expected file:/absolute/path (" + e.getMessage() + ")");
            }
        } else if (location.contains("://")) {
            throw new CommandLine.ParameterException(commandLine,
                    "unknown store '" + location + "': expected a folder path, file:/absolute/path or s3://bucket/prefix");
        } else {
            folder = Path.of(location);
        }
        return LocalFolderStore.at(folder.toAbsolutePath());
    }
}
