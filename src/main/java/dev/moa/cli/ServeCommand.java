package dev.moa.cli;

import dev.moa.pipeline.DiffusionPipeline;
import dev.moa.pipeline.StableDiffusion;
import dev.moa.server.Limits;
import dev.moa.server.MoaServer;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moa serve}: the HTTP service (A1111-compatible API, MoA endpoints, web page) on one loaded model. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve the models over HTTP: an AUTOMATIC1111-compatible API (/sdapi/v1/txt2img, img2img,"
                + " progress, interrupt, ...), MoA endpoints (/moa/v1/generate, /moa/v1/swap), an OpenAPI"
                + " description (/openapi.json) and a web page (/).",
                "Without --model the bundled tiny model and tiny MoA are served (random weights: noise pictures,"
                        + " every step real). Uploaded photos stay in memory for their job only; nothing is written to"
                        + " disk."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    ModelOptions model;
    @Option(names = "--moa", paramLabel = "DIR", description = "MoA checkpoint folder (default with the bundled model:"
            + " the bundled tiny MoA; with --model: none, MoA endpoints answer 409)")
    Path moaDir;
    @Option(names = "--image-encoder", paramLabel = "DIR", description = "CLIP image encoder for the subject photos"
            + " (default: the model's image_encoder/ or the one the MoA checkpoint names)")
    Path imageEncoder;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default ${DEFAULT-VALUE}:"
            + " this machine only; 0.0.0.0 for every interface)")
    String host;
    @Option(names = "--port", defaultValue = "7860", description = "port (default ${DEFAULT-VALUE}, A1111's; 0 = any"
            + " free port)")
    int port;
    @Option(names = "--queue", defaultValue = "16", description = "jobs that may wait behind the running one; more are"
            + " answered 503 with Retry-After (default ${DEFAULT-VALUE})")
    int queue;
    @Option(names = "--api-auth", paramLabel = "USER:PASS[,USER:PASS...]", description = "HTTP basic authentication"
            + " for every endpoint but the page's files (as A1111's --api-auth)")
    String apiAuth;
    @Option(names = "--max-steps", defaultValue = "150", description = "sampling steps per image (default ${DEFAULT-VALUE})")
    int maxSteps;
    @Option(names = "--max-images", defaultValue = "16", description = "images per request (default ${DEFAULT-VALUE})")
    int maxImages;
    @Option(names = "--max-side", defaultValue = "2048", description = "largest width or height in pixels (default"
            + " ${DEFAULT-VALUE})")
    int maxSide;
    @Option(names = "--max-body-mb", defaultValue = "32", description = "largest request body in MB (default"
            + " ${DEFAULT-VALUE})")
    int maxBodyMb;
    @Option(names = "--max-image-mp", defaultValue = "16", description = "largest uploaded picture in megapixels,"
            + " checked from its header (default ${DEFAULT-VALUE})")
    double maxImageMp;
    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws Exception {
        threads.apply();
        Limits limits;
        try {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("--port must be between 0 and 65535, got " + port);
            }
            if (maxBodyMb < 1 || maxBodyMb > 2047) {
                throw new IllegalArgumentException("--max-body-mb must be between 1 and 2047, got " + maxBodyMb);
            }
            if (!(maxImageMp > 0 && maxImageMp <= 64)) {
                throw new IllegalArgumentException("--max-image-mp must be in (0, 64], got " + maxImageMp);
            }
            if (maxSide < 8 || maxSide > dev.moa.pipeline.GenerationOptions.MAX_SIDE) {
                throw new IllegalArgumentException("--max-side must be between 8 and "
                        + dev.moa.pipeline.GenerationOptions.MAX_SIDE + ", got " + maxSide);
            }
            if (maxSteps < 1 || maxSteps > 1000 || maxImages < 1 || maxImages > 64 || queue < 0 || queue > 10_000) {
                throw new IllegalArgumentException("--max-steps must be 1..1000, --max-images 1..64, --queue 0..10000");
            }
            limits = new Limits((long) maxBodyMb << 20, (long) (maxImageMp * 1e6), maxSteps, maxImages, maxSide, queue);
            if (apiAuth != null) {
                dev.moa.server.MoaServer.checkAuth(apiAuth);
            }
            InetAddress.getByName(host);
        } catch (IllegalArgumentException | java.net.UnknownHostException e) {
            throw new ParameterException(spec.commandLine(), e instanceof java.net.UnknownHostException
                    ? "--host: unknown address " + host : e.getMessage());
        }
        Path moa = model.moaOrDefault(moaDir);
        try (StableDiffusion sd = model.load(System.err);
                DiffusionPipeline p = moa != null ? DiffusionPipeline.loadMoa(sd, moa,
                        DiffusionPipeline.imageEncoderFor(sd, moa, imageEncoder)) : DiffusionPipeline.of(sd);
                MoaServer server = new MoaServer(p, limits, apiAuth, System.err)) {
            int bound = server.start(host, port);
            String shown = host.contains(":") ? "[" + host + "]" : host;
            System.err.printf("serving %s%s on http://%s:%d/ (page), API /sdapi/v1/..., /moa/v1/..., OpenAPI /openapi.json;"
                    + " Ctrl-C stops%n", sd.name(), moa != null ? " + MoA " + p.moaName() : "", shown, bound);
            if (apiAuth == null && !InetAddress.getByName(host).isLoopbackAddress()) {
                System.err.println("warning: listening beyond this machine without --api-auth: anyone who can reach"
                        + " the port can generate");
            }
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                stop.countDown();
            }));
            stop.await();
        }
        return 0;
    }
}
