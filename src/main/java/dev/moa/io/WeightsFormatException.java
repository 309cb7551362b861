package dev.moa.io;

import java.io.IOException;

/** A weights file that cannot be read: corrupt, truncated, unknown dtype, wrong keys or shapes. */
public class WeightsFormatException extends IOException {
    public WeightsFormatException(String message) {
        super(message);
    }

    public WeightsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
