/**
 * {@code moa serve}: the HTTP service. An AUTOMATIC1111-compatible subset ({@code /sdapi/v1/...}), MoA's own
 * endpoints ({@code /moa/v1/...}), an OpenAPI description and a web page, on Javalin (Jetty 12). Every request
 * that generates goes through the one {@link dev.moa.pipeline.DiffusionPipeline}; the server only parses,
 * queues and encodes.
 */
package dev.moa.server;
