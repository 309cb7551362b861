/**
 * The training data of MoA: data set readers, preprocessing and augmentation, condition dropout, a
 * deterministic and resumable loader, and a synthetic data set generator.
 *
 * <h2>Using it from a trainer</h2>
 * <pre>{@code
 * ClipTokenizer tok = ClipTokenizer.fromFolder(model.resolve("tokenizer"));
 * SubjectEncoder enc = SubjectEncoder.load(model.resolve("image_encoder"), manager);
 * SourceDataset data = FfhqWildDataset.open(root, FfhqWildDataset.Split.TRAIN);   // or ManifestDataset.open(jsonl)
 * Preprocessor prep = new Preprocessor(tok, PreprocessOptions.training()
 *         .withResolution(512)
 *         .withReferenceProcessor(enc.processor()));     // references exactly as the encoder expects them
 * try (DataLoader loader = DataLoader.builder(data, prep)
 *         .batchSize(4).seed(42).startStep(resumeStep)    // resumeStep: 0, or the step saved in a checkpoint
 *         .skipBadEntries(true).build()) {
 *     while (training) {
 *         TrainingBatch b = loader.next();                // b.step() is the step to save with a checkpoint
 *         NDArray images = manager.create(b.images(), new Shape(b.imagesShape()));            // (B,3,R,R) in [-1,1]
 *         NDArray ids = manager.create(b.inputIds(), new Shape(b.inputIdsShape()));           // (B,77)
 *         int[][] positions = b.positions();                                                  // (B,4), -1 = none
 *         NDArray refs = manager.create(b.references(), new Shape(b.referencesShape()));      // (B,4,3,S,S)
 *         NDArray masks = manager.create(b.masks(R / 8), new Shape(b.masksShape(R / 8)));     // (B,4,H,W) latent
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <h2>Output contract</h2>
 * A {@link dev.moa.train.data.TrainingExample} has the picture ({@code 3 x R x R} floats in [-1, 1],
 * {@code v / 127.5 - 1}), the caption the text encoder sees ("" for an unconditional example) with its
 * 77 token ids, and up to 4 {@link dev.moa.train.data.SubjectSample}s in caption order: the bound word,
 * the position of its last token in those ids, its mask ({@code R x R}, 0/1, aligned with the picture)
 * and its reference ({@code 3 x S x S}, CLIP-normalised by the given processor). A {@link
 * dev.moa.train.data.TrainingBatch} stacks B examples into flat row-major arrays with 4 subject slots per
 * row (empty slots: position -1, zero mask and reference), and reduces masks to latent resolution by
 * area averaging ({@link dev.moa.train.data.TrainingBatch#masks(int)}), as spec section 4 says.
 *
 * <h2>Determinism and resume</h2>
 * {@link dev.moa.train.data.DataLoader} batch {@code step} holds example slots {@code step*B ..
 * step*B+B-1}; slot {@code k} is position {@code k % N} of epoch {@code k / N}, whose order is a
 * permutation drawn from (seed, epoch). Every random choice for an example (crop, flip, condition
 * dropout, subject sampling, reference augmentation, reference noise) is drawn from (seed, epoch,
 * position), in separate streams per purpose, with a generator specified here ({@code SplitMix64}), so
 * batch {@code step} is a pure function of (data, options, seed, B, step): a trainer resumes by storing
 * the step and building the loader with {@code startStep(step)} (or calling {@code seek}). Background
 * threads and prefetching do not change the result.
 *
 * <h2>Data formats</h2>
 * <ul>
 *   <li><b>FFHQ-wild</b> ({@link dev.moa.train.data.FfhqWildDataset}): FastComposer's layout as published
 *       ({@code image_ids{,_train,_test}.txt}; {@code <id[:5]>/<id>.jpg|.json|.npy}; JSON {@code caption}
 *       and {@code segments} with {@code id}, {@code bbox} [x0, y0, x1, y1], {@code end}, {@code
 *       coco_label}; the {@code .npy} an integer segmentation map).
 *   <li><b>Manifest</b> ({@link dev.moa.train.data.ManifestDataset}): JSON Lines, one picture per line:
 * <pre>{@code
 * {"image": "img/0001.jpg", "caption": "a man and his dog in a park",
 *  "subjects": [{"word": "man", "mask": "masks/0001_man.png"},
 *               {"word": "dog", "mask": "masks/0001_dog.png", "bbox": [40, 60, 200, 230], "reference": "refs/rex.jpg"}]}
 * }</pre>
 *       Paths are relative to the manifest. {@code mask}: a same-size picture (nonzero = subject; use a
 *       lossless format) or an {@code .npy} (H, W) array; optional when {@code bbox} is given (the box is
 *       the mask). {@code bbox}: where the reference is cut from (default: the mask's bounds). {@code
 *       reference}: a separate photo used whole instead of a cut-out. {@code word} binds to its first
 *       occurrence in the caption not taken by an earlier subject; {@code end} (a character offset, as in
 *       FFHQ-wild) may be given instead. Offsets count characters as Python does (code points). Optional: {@code id}, {@code label}.
 *   <li><b>NPY</b> ({@link dev.moa.train.data.Npy}): versions 1.0, 2.0, 3.0; bool, int8..int64,
 *       uint8..uint64, float16/32/64; either byte order; C or Fortran order; any rank. The writer is
 *       byte-identical to {@code numpy.save}.
 * </ul>
 * Training pictures and masks are read as stored (EXIF orientation ignored, as {@code
 * torchvision.io.read_image} and {@code np.array(Image.open(f))} do, so masks computed from the files
 * line up); separate reference photos are turned upright, as at inference.
 *
 * <h2>Choices where FastComposer and the spec leave room</h2>
 * <ul>
 *   <li><b>Subject word:</b> the last word that starts before {@code end} (FastComposer inserts its
 *       {@code <|image|>} token at {@code end} and marks the token before it; we tokenize the caption
 *       unchanged and take that word's last token, which is the same token unless {@code end} falls inside
 *       a word). Subjects whose token lies beyond the 77-token limit are dropped with a counted warning
 *       <em>before</em> the random choice of 4 (FastComposer chooses first and loses them afterwards).
 *   <li><b>Segments:</b> every {@code coco_label} by default, as {@code data.py} without {@code
 *       object_types}; FastComposer's published run keeps only {@code person}
 *       ({@link dev.moa.train.data.FfhqWildDataset#FASTCOMPOSER_LABELS}). At most 4 subjects, a random
 *       subset when there are more, then sorted by caption position, as FastComposer does.
 *   <li><b>Dropout</b> (spec defaults): 10% of examples unconditional (caption "", no subjects), else
 *       each subject dropped with 10% (FastComposer: {@code uncondition_prob 0.1}, {@code
 *       object_appear_prob 0.9}); its word stays in the caption. FastComposer's {@code text_only_prob} is
 *       available and 0 by default.
 *   <li><b>Picture:</b> shorter side to R (bilinear, antialiased, as torchvision's {@code Resize}), then a
 *       random R x R crop for training / centre crop for evaluation (FastComposer centre-crops landscape
 *       pictures and pads portrait ones: {@code CropMode.PAD}); flip with probability 1/2, masks with it.
 *       Masks are resized nearest-neighbour at pixel centres (FastComposer's nearest is the legacy,
 *       half-pixel-shifted one). A subject with less than a quarter of its area left after the crop is
 *       dropped for that example (counted), since its reference would show something the picture does not.
 *   <li><b>Reference:</b> cut from the full-resolution picture at the box, with everything outside the
 *       subject's mask replaced by uniform noise (FastComposer's {@code RandomSegmentProcessor}), padded
 *       to a square with black centred (the spec's inference rule; FastComposer pads the same way), then
 *       the image encoder's own CLIP preprocessing to S x S and normalisation. Augmentation is milder
 *       than FastComposer's and each part can be switched off ({@link
 *       dev.moa.train.data.ReferenceAugmentation}): box scale +-10% and shift +-5%, flip, rotation +-10
 *       degrees, brightness/contrast/saturation +-10%.
 * </ul>
 *
 * <h2>Synthetic data</h2>
 * {@link dev.moa.train.data.SyntheticDataset#generate} (CLI: {@code moa make-synthetic-data}) writes an
 * FFHQ-wild-layout set of patterned shapes ("a red striped disc", "a blue dotted triangle", ...) on
 * varied scenes with exact segmentation maps, boxes and {@code end} offsets, a train/test split, and a
 * reference picture per identity; byte-identical for the same seed.
 *
 * <p>Data problems that are skipped rather than fatal are counted in {@link
 * dev.moa.train.data.DataWarnings} (the first few of each kind are logged). {@link
 * dev.moa.train.data.Previews#sheet} draws a batch as the trainer sees it (masks tinted, references
 * un-normalised), to check a data set by eye.
 */
package dev.moa.train.data;
