package io.backupkit.dialect.sqlite;

import java.sql.SQLException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a staging database's inserts on a second thread, so that reading, decompressing, hashing and
 * parsing the next rows overlaps SQLite inserting the previous ones (two cores, each busy about half
 * the time otherwise). Tasks run one at a time in submission order; the queue is small and bounded,
 * so memory stays bounded and a slow database slows the reader down.
 *
 * <p>The first task that fails stops all later work; the failure is rethrown by the next
 * {@link #submit} or {@link #drain}. {@link #drain} waits until every submitted task ran, after
 * which the connection may be used from the calling thread again (the queue gives the
 * happens-before edge). Not for use by several submitting threads.
 */
final class InsertThread implements AutoCloseable {

    /** Work on the staging connection. */
    @FunctionalInterface
    interface Task {
        void run() throws Exception;
    }

    private static final int QUEUE = 8;

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Thread thread;
    private volatile Throwable failure;
    private volatile boolean stopped;

    private static final Object STOP = new Object();

    InsertThread(String name) {
        thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (true) {
            Object item;
            try {
                item = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (item == STOP) {
                return;
            }
            if (item instanceof CountDownLatch barrier) {
                barrier.countDown();
                continue;
            }
            if (failure != null) {
                continue; // skip the rest of the work after a failure
            }
            try {
                ((Task) item).run();
            } catch (Throwable e) {
                failure = e;
            }
        }
    }

    /** Queues a task, waiting while the queue is full. */
    void submit(Task task) throws Exception {
        put(task);
    }

    /** Waits until every task submitted so far has run; rethrows the first failure. */
    void drain() throws Exception {
        CountDownLatch barrier = new CountDownLatch(1);
        put(barrier);
        barrier.await();
        rethrow();
    }

    private void put(Object item) throws Exception {
        if (stopped) {
            throw new IllegalStateException("the insert thread was closed");
        }
        rethrow();
        while (!queue.offer(item, 50, TimeUnit.MILLISECONDS)) {
            rethrow();
            if (!thread.isAlive()) {
                throw new IllegalStateException("the insert thread has stopped");
            }
        }
    }

    private void rethrow() throws Exception {
        Throwable f = failure;
        if (f == null) {
            return;
        }
        if (f instanceof Exception e) {
            throw e;
        }
        throw (Error) f;
    }

    /**
     * Stops the thread after the task it is running (queued work is dropped) and waits for it, so
     * the connection is free when this returns.
     */
    @Override
    public void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        queue.clear();
        boolean interrupted = Thread.interrupted();
        try {
            while (thread.isAlive() && !queue.offer(STOP)) {
                queue.clear();
            }
            while (thread.isAlive()) {
                try {
                    thread.join(TimeUnit.SECONDS.toMillis(30));
                    if (thread.isAlive()) {
                        throw new IllegalStateException("the insert thread " + thread.getName()
                                + " did not stop within 30 s");
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A failure surfacing later than the task that caused it, naming that task's entry. */
    static SQLException inEntry(String entry, SQLException e) {
        return new SQLException("entry '" + entry + "': " + e.getMessage(), e.getSQLState(), e.getErrorCode(), e);
    }
}
