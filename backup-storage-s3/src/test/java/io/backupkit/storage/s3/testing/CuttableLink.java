package io.backupkit.storage.s3.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on 127.0.0.1 in front of a server, whose link can be cut as a network failure or a
 * crashed server would: {@link #cut()} resets every open connection and refuses new ones until
 * {@link #restore()}; {@link #cutAfterUploadedBytes(long)} does so in the middle of a request, once
 * that many more bytes went from the client to the server.
 *
 * <pre>{@code
 * try (CuttableLink link = CuttableLink.to(server.port())) {
 *     S3Store store = server.storeBuilder(bucket).endpointOverride(link.endpoint()).build();
 *     link.cutAfterUploadedBytes(7 * 1024 * 1024);
 *     ...
 * }
 * }</pre>
 */
public final class CuttableLink implements AutoCloseable {

    private final ServerSocket listener;
    private final int targetPort;
    private final List<Socket> open = new ArrayList<>();
    private final AtomicLong uploaded = new AtomicLong();
    private volatile boolean cut;
    private volatile long cutAt = Long.MAX_VALUE;
    private final Thread acceptor;

    private CuttableLink(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "cuttable-link-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A relay to {@code 127.0.0.1:targetPort}. */
    public static CuttableLink to(int targetPort) throws IOException {
        return new CuttableLink(targetPort);
    }

    /** The relay's URL, to use as the endpoint instead of the server's. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** How many bytes went from clients to the server so far. */
    public long uploadedBytes() {
        return uploaded.get();
    }

    /** Resets all connections now and refuses new ones. */
    public void cut() {
        cut = true;
        List<Socket> sockets;
        synchronized (open) {
            sockets = new ArrayList<>(open);
            open.clear();
        }
        for (Socket socket : sockets) {
            reset(socket);
        }
    }

    /** Cuts the link once {@code bytes} more bytes have been relayed towards the server. */
    public void cutAfterUploadedBytes(long bytes) {
        cutAt = uploaded.get() + bytes;
    }

    /** Lets connections through again. */
    public void restore() {
        cutAt = Long.MAX_VALUE;
        cut = false;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            if (cut) {
                reset(client);
                continue;
            }
            try {
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                synchronized (open) {
                    open.add(client);
                    open.add(server);
                }
                pump(client, server, true);
                pump(server, client, false);
            } catch (IOException e) {
                reset(client);
            }
        }
    }

    private void pump(Socket from, Socket to, boolean upstream) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (cut) {
                        break;
                    }
                    if (upstream) {
                        long before = uploaded.getAndAdd(n);
                        long allowed = cutAt - before;
                        if (allowed < n) {
                            if (allowed > 0) {
                                out.write(buffer, 0, (int) allowed);
                                out.flush();
                            }
                            cut();
                            break;
                        }
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // One side went away; the other follows.
            } finally {
                reset(from);
                reset(to);
            }
        }, "cuttable-link-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0); // RST rather than FIN: the peer sees a broken connection
        } catch (SocketException ignored) {
            // already closed
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        cut();
    }

    @Override
    public String toString() {
        return "CuttableLink[" + new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort())
                + " -> 127.0.0.1:" + targetPort + (cut ? ", cut" : "") + "]";
    }
}
