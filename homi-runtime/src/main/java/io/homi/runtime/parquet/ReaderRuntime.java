package io.homi.runtime.parquet;

import io.homi.runtime.io.QueueClient;
import io.homi.runtime.mediator.BufferRegistry;
import io.homi.runtime.mediator.DeviceMemoryPath;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.mediator.PathPolicy;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import org.apache.arrow.memory.BufferAllocator;

/**
 * What a {@link ParquetFileReader} needs from the runtime that serves it (implemented by {@code
 * io.homi.runtime.HomiRuntime}): the file's namespace and queue pair, the registered buffers, the
 * GPU path for device destinations, the footer cache, the prefetch threads and the Arrow allocator.
 * The reader sees only this, so the Parquet layer sits below the runtime and does not import it.
 */
public interface ReaderRuntime {
  /**
   * Exposes an open file as a namespace under a read-only grant, bound to a device grant where
   * {@code mode} uses one; fails clearly when {@code mode} requires what this machine lacks.
   */
  Namespace attach(OpenFile file, PathPolicy.Mode mode) throws IOException;

  /** Revokes a namespace {@link #attach} gave (its grant and device binding). */
  void detach(Namespace ns);

  /** A queue pair and its host initiator, routed by the settings' path policy. */
  QueueClient newClient(ReaderSettings settings) throws IOException;

  /** The registry of memory commands may write to (host staging, device destinations). */
  BufferRegistry buffers();

  /** The mediator's GPU path, started on first use; fails naming why without a usable GPU. */
  DeviceMemoryPath gpuPath() throws IOException;

  /** Parsed footers, keyed by path and file identity. */
  FooterCache footers();

  /** Threads that fetch row groups ahead of the decoding thread. */
  ExecutorService prefetchPool();

  /** The Arrow allocator decoded vectors come from. */
  BufferAllocator allocator();
}
