package dev.moa.pipeline;

import dev.moa.moa.MoaMode;
import dev.moa.moa.RouterMaps;
import dev.moa.moa.SubjectPrompt;
import java.util.List;

/** A personalized generation: the images (as in text-to-image), how subjects were bound, and router maps. */
public record MoaResult(GenerationResult generation, SubjectPrompt binding, MoaMode mode, List<RouterMaps> routerMaps) {}
