package io.homi.runtime.gpu.decode;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.io.QueueClient;
import io.homi.runtime.mediator.BufferRegistry;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.mediator.PathPolicy;
import io.homi.runtime.mediator.PathStats;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Column chunk bytes for GPU decode read through the mediator: the file attached as a namespace,
 * NVMe-format read commands on this source's own queue pair whose destination is the reader's
 * device staging (registered as {@link BufferRegistry.Kind#DEVICE}), so the mediator serves them
 * on its GPU path (cuFile where the platform accepts the file, pinned staging otherwise) and
 * counts them as {@link io.homi.runtime.mediator.PathKind#GPU} in {@link #stats()}.
 */
public final class MediatorSource implements AutoCloseable {
  private static final long TASK = 4L << 20;
  private final HomiRuntime runtime;
  private final OpenFile file;
  private final Namespace ns;
  private final QueueClient client;

  private MediatorSource(HomiRuntime runtime, OpenFile file, Namespace ns, QueueClient client) {
    this.runtime = runtime;
    this.file = file;
    this.ns = ns;
    this.client = client;
  }

  /** Opens {@code path} for reads into device memory; fails clearly when the GPU path cannot start. */
  public static MediatorSource open(HomiRuntime runtime, Path path, int queueDepth) throws IOException {
    runtime.gpuPath(); // attaches the mediator's GPU path on first use
    OpenFile f = OpenFile.open(path);
    Namespace ns = null;
    try {
      ns = runtime.attach(f);
      return new MediatorSource(runtime, f, ns, new QueueClient(runtime.mediator(), Math.max(2, queueDepth), TASK,
          new PathPolicy(PathPolicy.Mode.AUTO, 256L << 10)));
    } catch (RuntimeException e) {
      if (ns != null) runtime.detach(ns);
      f.close();
      throw e;
    }
  }

  BufferRegistry buffers() {
    return runtime.buffers();
  }

  /** Reads file ranges into device memory (4 KiB-aligned offsets; past end of file reads as zeros). */
  void read(long[] offsets, long[] lengths, long[] deviceDests) throws IOException {
    client.read(ns, offsets, lengths, deviceDests);
  }

  /** Bytes and commands per path of this source's queue pair. */
  public PathStats.Snapshot stats() {
    return client.stats();
  }

  /** How the mediator's GPU path serves reads (cuFile mode or staging, and why). */
  public String describe() {
    try {
      return runtime.gpuPath().describe();
    } catch (IOException e) {
      return e.getMessage();
    }
  }

  @Override
  public void close() {
    client.close();
    runtime.detach(ns);
    file.close();
  }
}
