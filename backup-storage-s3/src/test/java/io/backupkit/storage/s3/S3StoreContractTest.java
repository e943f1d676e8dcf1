package io.backupkit.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.spi.Store;
import io.backupkit.spi.StoreContractTest;
import io.backupkit.storage.s3.testing.S3ProxyServer;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The {@link Store} contract, run against {@link S3Store} on a real S3 API server (S3Proxy), with
 * the smallest part size S3 allows, so that the contract's 5 MiB object takes a multipart upload.
 * The contract's other objects are small and take a single PutObject; {@link S3StoreTest} runs the
 * abort, failure and name-race cases again with objects of several parts.
 */
class S3StoreContractTest extends StoreContractTest {

    private static S3ProxyServer server;

    private final List<S3Store> opened = new ArrayList<>();
    private String bucket;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyServer.inMemory();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @Override
    protected Store createStore() {
        // A bucket per test, so that "no extra objects" means something.
        bucket = server.createBucket();
        S3Store s3 = server.storeBuilder(bucket).prefix("backups/app").partSize(S3Store.MIN_PART_SIZE).build();
        opened.add(s3);
        return s3;
    }

    @Override
    protected void assertNoLeftovers(Store store) {
        assertThat(server.multipartUploadsInProgress(bucket)).as("multipart uploads in progress").isEmpty();
        List<String> expected = new ArrayList<>();
        try {
            store.list().forEach(name -> expected.add("backups/app/" + name));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThat(server.allKeys(bucket)).as("every key in the bucket").containsExactlyInAnyOrderElementsOf(expected);
    }

    @AfterEach
    void closeStores() {
        opened.forEach(S3Store::close);
    }
}
