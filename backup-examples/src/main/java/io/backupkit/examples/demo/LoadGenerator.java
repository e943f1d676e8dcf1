package io.backupkit.examples.demo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated users of the demo over HTTP: each keeps creating tickets, commenting on the seeded
 * tickets (which exist in every backup), sending messages (some with an image or audio file) and
 * reading the ticket list, until stopped. Every request's latency is recorded under the phase that
 * was current when it started (idle, backup, restore, undo...), and every failure is kept.
 */
public final class LoadGenerator implements AutoCloseable {

    /** One request that did not answer 2xx, or threw. */
    public record Failure(String user, String request, String phase, String detail) {
    }

    private static final byte[] PNG = java.util.Base64.getDecoder().decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");
    private static final byte[] AUDIO = "OggS-demo-audio-bytes".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final List<DemoClient> users;
    private final List<String> names;
    private final long pauseMillis;
    private volatile String phase = "idle";
    private volatile boolean running = true;
    private final Map<String, List<Long>> latencies = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> createdTickets = new ConcurrentLinkedQueue<>();
    private final AtomicLong requests = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();

    /**
     * @param users       logged-in clients, one thread each
     * @param pauseMillis think time between two requests of one user
     */
    public LoadGenerator(List<DemoClient> users, List<String> names, long pauseMillis) {
        this.users = List.copyOf(users);
        this.names = List.copyOf(names);
        this.pauseMillis = pauseMillis;
    }

    /** Starts one thread per user. */
    public void start() {
        for (int i = 0; i < users.size(); i++) {
            DemoClient c = users.get(i);
            String name = names.get(i);
            Thread t = new Thread(() -> loop(c, name), "user-" + name);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Tags the requests started from now on. */
    public void phase(String name) {
        this.phase = name;
    }

    private void loop(DemoClient c, String name) {
        int count = 0;
        while (running) {
            final int n = ++count;
            int seeded = 1 + ThreadLocalRandom.current().nextInt(AppDatabase.SEEDED_TICKETS);
            switch (n % 4) {
                case 0 -> call(name, "create ticket", () -> {
                    DemoClient.Response r = c.postJson("/api/tickets", Map.of("title", "Panne signalée par " + name,
                            "machineId", 1 + ThreadLocalRandom.current().nextInt(6), "deadlineMinutes", 240));
                    if (r.ok()) {
                        createdTickets.add(r.json().get("id").asLong());
                    }
                    return r;
                });
                case 1 -> call(name, "comment #" + seeded, () -> c.postJson("/api/tickets/" + seeded + "/comments",
                        Map.of("body", "Intervention en cours (" + name + ")")));
                case 2 -> call(name, "message", () -> n % 3 == 0
                        ? c.postMultipart("/api/messages", "body", "Photo de " + name, "file", "photo.png",
                        "image/png", PNG)
                        : n % 3 == 1 ? c.postMultipart("/api/messages", "body", "Note vocale", "file", "note.ogg",
                        "audio/ogg", AUDIO)
                        : c.postMultipart("/api/messages", "body", "Message de " + name, "file", "", "text/plain",
                        new byte[0]));
                default -> call(name, "list tickets", () -> c.get("/api/tickets"));
            }
            if (pauseMillis > 0) {
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    @FunctionalInterface
    private interface Call {
        DemoClient.Response run() throws Exception;
    }

    private void call(String user, String what, Call call) {
        String at = phase;
        long t0 = System.nanoTime();
        try {
            DemoClient.Response r = call.run();
            if (!r.ok()) {
                failures.add(new Failure(user, what, at, "HTTP " + r.status() + " " + r.body()));
            }
        } catch (Exception e) {
            failures.add(new Failure(user, what, at, e.toString()));
        }
        latencies.computeIfAbsent(at, k -> Collections.synchronizedList(new ArrayList<>()))
                .add(System.nanoTime() - t0);
        requests.incrementAndGet();
    }

    /** Every request that failed so far. */
    public List<Failure> failures() {
        return List.copyOf(failures);
    }

    /** How many requests were made so far. */
    public long requests() {
        return requests.get();
    }

    /** Ids of the tickets the users created so far. */
    public List<Long> createdTickets() {
        return List.copyOf(createdTickets);
    }

    /** Latencies in nanoseconds, by phase. */
    public Map<String, List<Long>> latencies() {
        Map<String, List<Long>> copy = new java.util.LinkedHashMap<>();
        latencies.forEach((k, v) -> {
            synchronized (v) {
                copy.put(k, List.copyOf(v));
            }
        });
        return copy;
    }

    /** Stops the users and waits for their last request. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(60_000);
        }
    }
}
