package dev.moa.models;

import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renames the VAE keys of an original (LDM) checkpoint ({@code first_stage_model.*}) to diffusers
 * AutoencoderKL keys. The one non-obvious rule: LDM numbers the decoder's {@code up} levels from the
 * highest resolution, so {@code decoder.up.(n-1-i)} is diffusers' {@code decoder.up_blocks.i}. The mid-block
 * attention's q/k/v/proj_out are 1x1 convs in LDM; {@link dev.moa.io.Weights} reshapes them to linear.
 */
public final class LdmVaeKeys {
    private LdmVaeKeys() {}

    public static final String PREFIX = "first_stage_model.";

    private static final Pattern SAME = Pattern.compile("(encoder|decoder)\\.(conv_in|conv_out)\\..+|(post_)?quant_conv\\..+");
    private static final Pattern NORM_OUT = Pattern.compile("(encoder|decoder)\\.norm_out\\.(.+)");
    private static final Pattern MID_RES = Pattern.compile("(encoder|decoder)\\.mid\\.block_([12])\\.(.+)");
    private static final Pattern MID_ATTN = Pattern.compile("(encoder|decoder)\\.mid\\.attn_1\\.(\\w+)\\.(.+)");
    private static final Pattern LEVEL = Pattern.compile("(encoder\\.down|decoder\\.up)\\.(\\d+)\\.(.+)");
    private static final Pattern RES = Pattern.compile("block\\.(\\d+)\\.(.+)");

    /**
     * A rename for {@link dev.moa.io.Weights#of}: keys outside {@link #PREFIX} and the training-only
     * {@code loss.*} (discriminator, LPIPS) are dropped; other unmappable VAE keys are kept for
     * {@code Weights.check()} to report.
     */
    public static UnaryOperator<String> rename(int levels) {
        return k -> {
            if (!k.startsWith(PREFIX) || k.startsWith(PREFIX + "loss.")) {
                return null;
            }
            String m = map(k.substring(PREFIX.length()), levels);
            return m != null ? m : k;
        };
    }

    /** The diffusers key of an LDM VAE key given without prefix, or null if there is none. */
    public static String map(String k, int levels) {
        if (SAME.matcher(k).matches()) {
            return k;
        }
        Matcher m = NORM_OUT.matcher(k);
        if (m.matches()) {
            return m.group(1) + ".conv_norm_out." + m.group(2);
        }
        m = MID_RES.matcher(k);
        if (m.matches()) {
            int i = Integer.parseInt(m.group(2)) - 1;
            return LdmUNetKeys.join(m.group(1) + ".mid_block.resnets." + i + ".", resnet(m.group(3)));
        }
        m = MID_ATTN.matcher(k);
        if (m.matches()) {
            String to = attention(m.group(2));
            return to == null ? null : m.group(1) + ".mid_block.attentions.0." + to + "." + m.group(3);
        }
        m = LEVEL.matcher(k);
        if (m.matches()) {
            boolean enc = m.group(1).startsWith("encoder");
            int level = Integer.parseInt(m.group(2));
            String p = enc ? "encoder.down_blocks." + level + "." : "decoder.up_blocks." + (levels - 1 - level) + ".";
            String rest = m.group(3);
            Matcher r = RES.matcher(rest);
            if (r.matches()) {
                return LdmUNetKeys.join(p + "resnets." + r.group(1) + ".", resnet(r.group(2)));
            }
            String resample = enc ? "downsample.conv." : "upsample.conv.";
            return LdmUNetKeys.join(p + (enc ? "downsamplers.0.conv." : "upsamplers.0.conv."),
                    LdmUNetKeys.replacePrefix(rest, resample, ""));
        }
        return null;
    }

    private static String resnet(String rest) {
        String m = LdmUNetKeys.replacePrefix(rest, "nin_shortcut.", "conv_shortcut.");
        if (m != null) {
            return m;
        }
        for (String same : new String[] {"norm1.", "conv1.", "norm2.", "conv2."}) {
            if (rest.startsWith(same)) {
                return rest;
            }
        }
        return null;
    }

    private static String attention(String module) {
        switch (module) {
            case "norm": return "group_norm";
            case "q": return "to_q";
            case "k": return "to_k";
            case "v": return "to_v";
            case "proj_out": return "to_out.0";
            default: return null;
        }
    }
}
