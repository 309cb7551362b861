package dev.moa.server;

/**
 * A request the server refuses, with the HTTP status and the field it is about (null when it is about the request
 * as a whole). Answered as FastAPI (A1111's framework) answers: {@code {"detail": [{"loc": ["body", field], "msg":
 * ..., "type": ...}], "error": msg}}.
 */
final class ApiException extends RuntimeException {
    final int status;
    final String field;

    ApiException(int status, String field, String message) {
        super(message);
        this.status = status;
        this.field = field;
    }

    /** 422: a field of the body is missing, of the wrong type or out of range. */
    static ApiException invalid(String field, String message) {
        return new ApiException(422, field, field == null ? message : field + ": " + message);
    }
}
