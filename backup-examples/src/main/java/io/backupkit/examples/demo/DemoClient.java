package io.backupkit.examples.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/**
 * A logged-in user of the demo over HTTP, as the tests and the latency benchmark drive it: a
 * cookie jar, the session's CSRF token, JSON and multipart requests.
 */
public final class DemoClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A response: status and body. */
    public record Response(int status, String body) {
        /** Whether the status is 2xx. */
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The body parsed as JSON. */
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON (status " + status + "): " + body, e);
            }
        }
    }

    private final String base;
    private final HttpClient http;
    private String csrf = "";

    private DemoClient(String base) {
        this.base = base;
        this.http = HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** A client that is not logged in. */
    public static DemoClient anonymous(int port) {
        return new DemoClient("http://127.0.0.1:" + port);
    }

    /** Logs in; fails when the login is refused. */
    public static DemoClient login(int port, String email, String password) throws IOException, InterruptedException {
        DemoClient c = anonymous(port);
        String form = "email=" + URLEncoder.encode(email, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8);
        HttpResponse<String> r = c.http.send(HttpRequest.newBuilder(URI.create(c.base + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 303) {
            throw new IllegalStateException("login of " + email + " refused: HTTP " + r.statusCode());
        }
        c.csrf = c.get("/api/me").json().get("csrfToken").asText();
        return c;
    }

    /** GET {@code path}. */
    public Response get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    /** POST {@code body} as JSON. */
    public Response postJson(String path, Object body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
    }

    /** POST with no body. */
    public Response post(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** DELETE {@code path}. */
    public Response delete(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
    }

    /** A multipart POST with one text field and one file. */
    public Response postMultipart(String path, String field, String value, String fileField, String fileName,
                                  String contentType, byte[] content) throws IOException, InterruptedException {
        String boundary = "----demo" + UUID.randomUUID();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"\r\n\r\n" + value
                + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + fileField + "\"; filename=\""
                + fileName + "\"\r\nContent-Type: " + contentType + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.UTF_8));
        out.write(content);
        out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray())));
    }

    /** A file part of a multipart request. */
    public record Part(String fileName, String contentType, byte[] content) {
    }

    /** A multipart POST of file parts only. */
    public Response postFiles(String path, java.util.Map<String, Part> parts) throws IOException, InterruptedException {
        String boundary = "----demo" + UUID.randomUUID();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (var e : parts.entrySet()) {
            out.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + e.getKey() + "\"; filename=\""
                    + e.getValue().fileName() + "\"\r\nContent-Type: " + e.getValue().contentType() + "\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.write(e.getValue().content());
            out.write("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray())));
    }

    /**
     * Sends only the headers of a POST that declares {@code contentLength} body bytes, as this
     * session, and returns the status the server answers with before any byte of the body; a
     * negative {@code contentLength} declares {@code Transfer-Encoding: chunked} instead.
     */
    public int postHeadersOnly(String path, String contentType, long contentLength) throws IOException {
        URI uri = URI.create(base + path);
        StringBuilder cookies = new StringBuilder();
        for (java.net.HttpCookie c : cookies().getCookieStore().get(uri)) {
            cookies.append(cookies.length() == 0 ? "" : "; ").append(c.getName()).append('=').append(c.getValue());
        }
        try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(30_000);
            String head = "POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nCookie: " + cookies + "\r\nX-CSRF-Token: " + csrf + "\r\nContent-Type: " + contentType
                    + (contentLength < 0 ? "\r\nTransfer-Encoding: chunked" : "\r\nContent-Length: " + contentLength)
                    + "\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
            if (status == null || !status.startsWith("HTTP/1.1 ")) {
                throw new IOException("no HTTP status line: " + status);
            }
            return Integer.parseInt(status.substring(9, 12));
        }
    }

    private CookieManager cookies() {
        return (CookieManager) http.cookieHandler().orElseThrow();
    }

    /** Sends with the CSRF header, as the page's scripts do. */
    private Response send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request.header("X-CSRF-Token", csrf).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body());
    }

    /** Starts a backup, restore or verify job through {@code path} and polls it until it ends. */
    public JsonNode runJob(String path, Object body) throws IOException, InterruptedException {
        Response started = body == null ? post(path) : postJson(path, body);
        if (started.status() != 202) {
            throw new IllegalStateException(path + " answered " + started.status() + ": " + started.body());
        }
        String id = started.json().get("id").asText();
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode job = get("/api/admin/backup/jobs/" + id).json();
            String state = job.get("state").asText();
            if (!state.equals("QUEUED") && !state.equals("RUNNING")) {
                return job;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("job " + id + " did not end within 5 minutes");
    }
}
