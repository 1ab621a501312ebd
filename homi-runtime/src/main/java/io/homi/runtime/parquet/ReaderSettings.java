package io.homi.runtime.parquet;

import io.homi.runtime.mediator.PathPolicy;

/**
 * The per-scan settings a {@link ParquetFileReader} reads (implemented by {@code
 * io.homi.runtime.HomiConfig}, which resolves them from {@code homi.*} keys), so the Parquet layer
 * does not import the runtime's root package.
 */
public interface ReaderSettings {
  /** {@code homi.path}: which I/O path serves the reads. */
  PathPolicy.Mode pathMode();

  /** {@code homi.queueDepth}: entries of the reader's submission/completion queues. */
  int queueDepth();

  /** {@code homi.maxCommandBytes}: the most bytes one NVMe read command of a fetch asks for. */
  long maxCommandBytes();

  /** {@code homi.coalesceGap}: ranges closer than this are read as one run. */
  long coalesceGapBytes();

  /** {@code homi.maxPageBytes}: the largest page a file may declare (larger is corrupt). */
  long maxPageBytes();

  /** {@code homi.verifyChecksums}: whether each page's CRC32 is checked before decoding. */
  boolean verifyChecksums();

  /** The path policy of {@link #pathMode()} (with its Direct threshold). */
  PathPolicy policy();
}
