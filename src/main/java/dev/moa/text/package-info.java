/**
 * Pure-Java CLIP BPE tokenizer (the SD 1.x / 2.x text tokenizer), id-for-id compatible with Hugging Face's
 * {@code CLIPTokenizerFast}.
 *
 * <p>Pipeline, in the order HF runs it:
 * <ol>
 *   <li>special ("added") tokens such as {@code <|endoftext|>} are cut out of the raw text, exact match,
 *       leftmost-longest ({@code AddedTokens});</li>
 *   <li>every other stretch is normalized: NFC, runs of Unicode whitespace to one space, per-character
 *       lowercase, keeping an alignment to the original string ({@code TextNormalizer});</li>
 *   <li>pre-tokenized with the CLIP regex, then with the GPT-2 regex of the byte-level stage
 *       ({@code PreTokenizer});</li>
 *   <li>each piece is UTF-8 encoded, mapped through GPT-2's bytes-to-unicode table and merged by BPE with
 *       {@code </w>} on the last symbol ({@code ByteLevel}, {@code Bpe});</li>
 *   <li>{@code <|startoftext|>} / {@code <|endoftext|>} are added around the ids.</li>
 * </ol>
 *
 * <p>Entry point: {@link dev.moa.text.ClipTokenizer}; per-token character spans: {@link dev.moa.text.Encoding}.
 */
package dev.moa.text;
