/**
 * UTF-8 bytes as text, through one decoder for the isolate (a TextDecoder
 * without the stream option keeps no state between calls). Each
 * `new TextDecoder()` is a native object, and what a request creates of
 * those outlives young-generation GCs in workerd (docs/performance.md).
 *
 * Layer: pure core (the platform's standard decoder, no I/O).
 */
const decoder = new TextDecoder();

export const decodeUtf8 = (bytes: Uint8Array): string => decoder.decode(bytes);
