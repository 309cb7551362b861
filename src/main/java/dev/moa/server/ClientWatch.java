package dev.moa.server;

import io.javalin.http.Context;
import java.nio.ByteBuffer;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import java.util.concurrent.CancellationException;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * Notices a client that closes its connection while its job waits or runs, so the job is dropped instead of
 * computed for nobody.
 *
 * <p>Why this is hand-written: Jetty does not read from a connection while a request on it is being handled (the
 * body is already read), so neither servlet async listeners nor Jetty's failure listeners hear of a closed socket
 * until the response is written (checked with Jetty 12.1.12). Asking the connection's end point for read interest
 * ourselves does: a closed connection becomes readable and reads end-of-stream at once. HTTP/1.1 clients send
 * nothing while they wait for a response; bytes that do arrive (pipelining) are dropped and the connection is
 * closed after the response.
 */
final class ClientWatch {
    private final EndPoint ep;
    private final Runnable onGone;
    private final Context ctx;
    private volatile boolean stopped;

    private ClientWatch(EndPoint ep, Runnable onGone, Context ctx) {
        this.ep = ep;
        this.onGone = onGone;
        this.ctx = ctx;
    }

    /** Calls {@code onGone} once if the client of {@code ctx} closes its connection before {@link #stop}. */
    static ClientWatch watch(Context ctx, Runnable onGone) {
        EndPoint ep;
        try {
            ep = ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData().getConnection()
                    .getEndPoint();
        } catch (RuntimeException e) {
            ep = null;   // not a Jetty HTTP/1 connection: no early notice, the job still completes
        }
        ClientWatch w = new ClientWatch(ep, onGone, ctx);
        if (ep != null) {
            w.arm();
        }
        return w;
    }

    /**
     * Withdraws the read interest before the response is written, so Jetty can read the connection's next
     * request itself (two read interests on one connection are an error).
     */
    void stop() {
        stopped = true;
        if (ep instanceof AbstractEndPoint a && a.getFillInterest().isInterested()) {
            a.getFillInterest().onFail(new CancellationException("response ready"));
        }
    }

    private void gone() {
        if (!stopped) {
            stopped = true;
            onGone.run();
        }
    }

    private void arm() {
        if (stopped) {
            return;
        }
        ep.tryFillInterested(Callback.from(() -> {
            if (stopped) {
                return;
            }
            try {
                ByteBuffer buf = BufferUtil.allocate(512);
                int n = ep.fill(buf);
                if (n < 0) {
                    gone();
                    return;
                }
                if (n > 0) {
                    ctx.header("Connection", "close");   // pipelined bytes were dropped: start afresh afterwards
                }
                arm();
            } catch (Exception e) {
                gone();
            }
        }, failure -> {
            if (!(failure instanceof CancellationException)) {
                gone();
            }
        }));
    }
}
