package io.backupkit;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.backupkit.spi.WriteGate;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * Holds application writes through a HikariCP pool while a restore swaps the database: the pool is
 * suspended (callers of {@code getConnection()} wait instead of failing), in-flight connections are
 * awaited, and every pooled connection is closed so that none keeps the old database file open.
 *
 * <pre>{@code
 * HikariConfig config = new HikariConfig();
 * config.setJdbcUrl("jdbc:sqlite:app.db");
 * config.setAllowPoolSuspension(true);           // required
 * HikariDataSource pool = new HikariDataSource(config);
 * service.restore(id, RestoreOptions.builder().writeGate(HikariWriteGate.of(pool)).build());
 * }</pre>
 *
 * <p>Keep the pool's {@code connectionTimeout} above the restore's {@code maxWritePause}, so that
 * waiting callers get their connection once the gate opens.
 */
public final class HikariWriteGate implements WriteGate {

    private final HikariDataSource pool;

    private HikariWriteGate(HikariDataSource pool) {
        this.pool = pool;
    }

    /** A gate over the pool, which must allow suspension. */
    public static HikariWriteGate of(HikariDataSource pool) {
        Objects.requireNonNull(pool, "pool");
        if (!pool.isAllowPoolSuspension()) {
            throw new IllegalArgumentException("the HikariCP pool " + pool.getPoolName()
                    + " must be created with allowPoolSuspension=true to be used as a write gate");
        }
        return new HikariWriteGate(pool);
    }

    @Override
    public void close(Duration maxWait) throws Exception {
        HikariPoolMXBean bean = pool.getHikariPoolMXBean();
        if (bean == null) {
            throw new IllegalStateException("the HikariCP pool " + pool.getPoolName() + " is not started");
        }
        long deadline = System.nanoTime() + maxWait.toNanos();
        bean.suspendPool();
        try {
            awaitZero(bean, true, deadline, maxWait);
            bean.softEvictConnections();
            // Idle connections close on Hikari's own executor; wait until none is left open.
            awaitZero(bean, false, deadline, maxWait);
        } catch (Exception | Error e) {
            bean.resumePool();
            throw e;
        }
    }

    private void awaitZero(HikariPoolMXBean bean, boolean activeOnly, long deadline, Duration maxWait)
            throws TimeoutException, InterruptedException {
        int left;
        while ((left = activeOnly ? bean.getActiveConnections() : bean.getTotalConnections()) > 0) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("the pool " + pool.getPoolName() + " still had " + left
                        + (activeOnly ? " connections in use" : " open connections") + " after "
                        + maxWait.toMillis() + " ms");
            }
            Thread.sleep(1);
        }
    }

    @Override
    public void open() {
        HikariPoolMXBean bean = pool.getHikariPoolMXBean();
        if (bean != null) {
            // Connections opened before the swap would still see the old file.
            bean.softEvictConnections();
            bean.resumePool();
        }
    }

    @Override
    public String toString() {
        return "HikariWriteGate[" + pool.getPoolName() + "]";
    }
}
