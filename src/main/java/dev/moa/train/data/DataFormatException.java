package dev.moa.train.data;

import java.io.IOException;

/**
 * A training data file that cannot be used: missing, corrupt, or in a form this package does not read.
 * The message always names the file (and, inside a data set, the entry) so the user can fix it.
 */
public class DataFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public DataFormatException(String message) {
        super(message);
    }

    public DataFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
