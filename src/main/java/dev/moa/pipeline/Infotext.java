package dev.moa.pipeline;

import dev.moa.moa.Subject;
import dev.moa.tensor.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The A1111-style {@code parameters} PNG text: prompt line, "Negative prompt:" line, then
 * "Steps: 25, Sampler: Euler a, CFG scale: 7.5, Seed: 1, Size: 512x512, Model: x" plus MoA's extra keys.
 */
public final class Infotext {
    private Infotext() {}

    public static String parameters(GenerationOptions o, String sampler, long seed, int width, int height, String model,
            Map<String, String> extra) {
        StringBuilder sb = new StringBuilder(o.prompt());
        if (!o.negativePrompt().isEmpty()) {
            sb.append("\nNegative prompt: ").append(o.negativePrompt());
        }
        Map<String, String> kv = new LinkedHashMap<>();
        kv.put("Steps", Integer.toString(o.steps()));
        kv.put("Sampler", sampler);
        kv.put("CFG scale", trim(o.guidance()));
        kv.put("Seed", Long.toString(seed));   // with given latents it still draws ancestral samplers' noise
        kv.put("Size", width + "x" + height);
        if (o.latents() != null) {   // the starting point: without it the seed alone does not reproduce the image
            kv.put("Latents", o.latents().describe());
        }
        kv.put("Model", model);
        if (o.clipSkip() > 0) {
            kv.put("Clip skip", Integer.toString(o.clipSkip() + 1));   // A1111 counts the last layer as 1
        }
        if (o.eta() != 0) {
            kv.put("Eta", trim(o.eta()));
        }
        kv.putAll(extra);
        sb.append('\n');
        boolean first = true;
        for (Map.Entry<String, String> e : kv.entrySet()) {
            if (!first) {
                sb.append(", ");
            }
            first = false;
            String v = e.getValue();
            if (v.contains(",") || v.contains(":") || v.contains("\"")) {
                v = "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            }
            sb.append(e.getKey()).append(": ").append(v);
        }
        return sb.toString();
    }

    /**
     * The PNG text of image {@code i} of a result: A1111's {@code parameters} (with the precision when it is not
     * fp32, and for MoA the checkpoint, mode and subjects with their photos' short hashes) and {@code Software}.
     */
    public static Map<String, String> forImage(GenerationResult r, int i, StableDiffusion model, String moaName,
            Map<String, String> extra) throws IOException {
        Map<String, String> kv = new LinkedHashMap<>();
        if (r.conditioning() instanceof Conditioning.Moa) {
            Conditioning.Moa c = (Conditioning.Moa) r.conditioning();
            if (moaName != null) {
                kv.put("MoA", moaName);
            }
            kv.put("MoA mode", c.mode().cliName());
            if (c.strength() != 1) {
                kv.put("MoA strength", trim(c.strength()));
            }
            if (c.hasSubjectStrengths()) {
                List<String> each = new ArrayList<>();
                for (int k = 0; k < c.subjects().size(); k++) {
                    String w = c.subjects().get(k).word();
                    each.add((w != null ? w : "subject " + (k + 1)) + " " + trim(c.subjectStrength(k)));
                }
                kv.put("MoA subject strength", String.join("; ", each));
            }
            if (c.keepBackground()) {
                kv.put("MoA keep background", "router");
            }
            List<String> parts = new ArrayList<>();
            for (Subject s : c.subjects()) {
                if (s.image() != null) {
                    parts.add((s.word() != null ? s.word() + "=" : "") + s.image().getFileName() + " ("
                            + shortHash(s.image()) + ")");
                }
            }
            if (!parts.isEmpty()) {
                kv.put("Subjects", String.join("; ", parts));
            }
        }
        kv.putAll(extra);
        if (model.precision() != Precision.FP32) {
            kv.put("Precision", model.precision().name().toLowerCase(Locale.ROOT));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("parameters", parameters(r.options(), r.schedulerName(), r.seeds()[i], r.width(), r.height(),
                model.name(), kv));
        meta.put("Software", "moa-java");
        return dev.moa.image.Provenance.generated(meta);
    }

    static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** First 10 hex digits of the file's SHA-256 (A1111's short hash). */
    public static String shortHash(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return shortHash(in);
        }
    }

    /** First 10 hex digits of the SHA-256 of a stream's bytes. */
    public static String shortHash(InputStream in) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            StringBuilder sb = new StringBuilder();
            for (byte b : md.digest()) {
                sb.append(String.format("%02x", b));
            }
            return sb.substring(0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
