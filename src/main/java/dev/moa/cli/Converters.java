package dev.moa.cli;

import dev.moa.models.VaeTiling;
import dev.moa.moa.MoaMode;
import dev.moa.tensor.Precision;
import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters for the enums options take; their parse errors become one-line usage errors. */
final class Converters {
    private Converters() {}

    private static <T> T convert(String value, Function<String, T> parse) {
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    static final class PrecisionConverter implements ITypeConverter<Precision> {
        @Override
        public Precision convert(String value) {
            return Converters.convert(value, Precision::parse);
        }
    }

    static final class TimestepSamplingConverter implements ITypeConverter<dev.moa.train.TimestepSampling> {
        @Override
        public dev.moa.train.TimestepSampling convert(String value) {
            return Converters.convert(value, dev.moa.train.TimestepSampling::parse);
        }
    }

    /** A training route: moa or personal. */
    static final class RouteConverter implements ITypeConverter<dev.moa.moa.MoaMode> {
        @Override
        public dev.moa.moa.MoaMode convert(String value) {
            return Converters.convert(value, v -> {
                dev.moa.moa.MoaMode m = dev.moa.moa.MoaMode.parse(v);
                if (m == dev.moa.moa.MoaMode.PRIOR) {
                    throw new IllegalArgumentException("a run trains moa or personal; prior is the frozen base model");
                }
                return m;
            });
        }
    }

    static final class VaeTilingConverter implements ITypeConverter<VaeTiling> {
        @Override
        public VaeTiling convert(String value) {
            return Converters.convert(value, VaeTiling::parse);
        }
    }

    static final class MoaModeConverter implements ITypeConverter<MoaMode> {
        @Override
        public MoaMode convert(String value) {
            return Converters.convert(value, MoaMode::parse);
        }
    }
}
