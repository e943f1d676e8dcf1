package io.backupkit.cli;

import io.backupkit.LocalFolderStore;
import io.backupkit.spi.Store;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine;

/** Turns a {@code --store} argument into a store: a folder path, {@code file:/abs/path}, or (later) {@code s3://}. */
final class StoreLocation {

    private StoreLocation() {
    }

    static Store open(String location, CommandLine commandLine) {
        if (location.startsWith("s3://")) {
            throw new CommandLine.ParameterException(commandLine,
                    "s3:// stores are not available in this version yet; use a folder path or file:/abs/path");
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
                    "unknown store '" + location + "': expected a folder path or file:/absolute/path");
        } else {
            folder = Path.of(location);
        }
        return LocalFolderStore.at(folder.toAbsolutePath());
    }
}
