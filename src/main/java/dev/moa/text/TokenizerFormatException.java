package dev.moa.text;

import java.io.IOException;

/** A tokenizer file that is missing, unreadable or malformed; the message names the file. */
public class TokenizerFormatException extends IOException {
    public TokenizerFormatException(String message) {
        super(message);
    }

    public TokenizerFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
