package io.backupkit.spi;

import java.util.Objects;

/**
 * What a connection says about its database, used to pick a {@link Dialect}.
 *
 * @param productName    {@code DatabaseMetaData.getDatabaseProductName()}, for example {@code SQLite}
 * @param productVersion {@code DatabaseMetaData.getDatabaseProductVersion()}
 * @param url            the JDBC URL with passwords and keys removed ({@link io.backupkit.JdbcUrls#withoutPasswords})
 */
public record DatabaseInfo(String productName, String productVersion, String url) {
    public DatabaseInfo {
        Objects.requireNonNull(productName, "productName");
        Objects.requireNonNull(productVersion, "productVersion");
        Objects.requireNonNull(url, "url");
    }
}
