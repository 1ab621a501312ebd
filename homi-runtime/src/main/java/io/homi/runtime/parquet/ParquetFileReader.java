package io.homi.runtime.parquet;

import io.homi.runtime.io.QueueClient;
import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.mediator.PathStats;
import io.homi.runtime.os.FileIdentity;
import io.homi.runtime.os.OpenFile;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.format.FileMetaData;

/**
 * One Parquet file opened through the runtime: its footer read and checked (or taken from the JVM's
 * {@link FooterCache} when the file's identity matches the cached one) and its schema mapped. The
 * namespace (grant) and queue pair are set up on the first read that needs them, so a reader that
 * only plans (schema, statistics) costs no grant when the footer is cached. Row groups are read
 * with {@link #openRowGroup}; every byte comes through the mediator.
 */
public final class ParquetFileReader implements AutoCloseable {
  private final ReaderRuntime runtime;
  private final ReaderSettings config;
  private final OpenFile file;
  private final FileMetaData metadata;
  private final ParquetSchema schema;
  private volatile Namespace ns;
  private volatile QueueClient client;

  private ParquetFileReader(
      ReaderRuntime runtime,
      ReaderSettings config,
      OpenFile file,
      Namespace ns,
      QueueClient client,
      FileMetaData metadata,
      ParquetSchema schema) {
    this.runtime = runtime;
    this.config = config;
    this.file = file;
    this.ns = ns;
    this.client = client;
    this.metadata = metadata;
    this.schema = schema;
  }

  public static ParquetFileReader open(ReaderRuntime runtime, Path path, ReaderSettings config)
      throws IOException {
    if (!Files.exists(path)) throw new FileNotFoundException("file not found: " + path);
    if (Files.isDirectory(path))
      throw new HomiParquetException("not a Parquet file: " + path + " is a directory");
    OpenFile file = OpenFile.open(path);
    // The identity comes from the descriptor just opened: a rewritten file misses the cache.
    FooterCache.Footer cached = runtime.footers().get(file.path(), file.identity());
    if (cached != null)
      return new ParquetFileReader(
          runtime, config, file, null, null, cached.metadata(), cached.schema());
    Namespace ns;
    try {
      ns = runtime.attach(file, config.pathMode());
    } catch (IOException | RuntimeException e) {
      file.close();
      throw e;
    }
    QueueClient client = null;
    try {
      client = runtime.newClient(config);
      FileMetaData md = ParquetFooter.read(client, runtime.buffers(), ns);
      ParquetSchema schema = ParquetSchema.of(md, file.path());
      runtime.footers().put(file.path(), file.identity(), new FooterCache.Footer(md, schema));
      return new ParquetFileReader(runtime, config, file, ns, client, md, schema);
    } catch (IOException | RuntimeException e) {
      if (client != null) client.close();
      runtime.detach(ns);
      file.close();
      throw e;
    }
  }

  public String path() {
    return file.path();
  }

  public FileIdentity identity() {
    return file.identity();
  }

  public FileMetaData metadata() {
    return metadata;
  }

  public ParquetSchema schema() {
    return schema;
  }

  /** Bytes and commands per I/O path of this reader's own queue pair, footer included. */
  public PathStats.Snapshot pathStats() {
    QueueClient c = client;
    return c == null ? new PathStats().snapshot() : c.stats();
  }

  public int rowGroupCount() {
    return metadata.getRow_groupsSize();
  }

  public long rowCount(int rowGroup) {
    return metadata.getRow_groups().get(rowGroup).getNum_rows();
  }

  /** Fetches the row group's projected column chunks (coalesced) and prepares their decoders. */
  public RowGroupReader openRowGroup(int rowGroup, List<ColumnDescriptor> columns)
      throws IOException {
    if (rowGroup < 0 || rowGroup >= rowGroupCount()) {
      throw new IllegalArgumentException(
          "row group " + rowGroup + " of " + rowGroupCount() + " in " + path());
    }
    return RowGroupReader.open(this, rowGroup, columns, null);
  }

  /**
   * As {@link #openRowGroup(int, List)}, reading only the data pages {@code pages} selects (and
   * each chunk's dictionary page); null reads whole chunks. Flat columns only.
   */
  public RowGroupReader openRowGroup(
      int rowGroup, List<ColumnDescriptor> columns, PageSelection pages) throws IOException {
    if (rowGroup < 0 || rowGroup >= rowGroupCount()) {
      throw new IllegalArgumentException(
          "row group " + rowGroup + " of " + rowGroupCount() + " in " + path());
    }
    return RowGroupReader.open(this, rowGroup, columns, pages);
  }

  /**
   * The row group's ColumnIndexes and OffsetIndexes of these leaves (those it has), read through
   * the runtime.
   */
  public PageIndexReader.PageIndexes readPageIndexes(
      int rowGroup,
      java.util.Set<Integer> columnIndexLeaves,
      java.util.Set<Integer> offsetIndexLeaves)
      throws IOException {
    return PageIndexReader.read(this, rowGroup, columnIndexLeaves, offsetIndexLeaves);
  }

  /**
   * Every entry of a top-level column's dictionary in row group {@code rowGroup}, as PLAIN bytes,
   * or null when not every data page of the chunk is known to be dictionary-encoded.
   */
  public List<byte[]> readDictionary(int rowGroup, ColumnDescriptor column) throws IOException {
    return DictionaryPageReader.read(this, rowGroup, column);
  }

  ReaderSettings config() {
    return config;
  }

  /**
   * Reads file ranges into device memory (regions registered as {@link
   * io.homi.runtime.mediator.BufferRegistry.Kind#DEVICE} in {@link #buffers()}) through this
   * reader's own namespace and queue pair, so GPU decode attaches the file once and its bytes land
   * in {@link #pathStats()} (as {@link io.homi.runtime.mediator.PathKind#GPU}) with the host reads.
   * Offsets are 4 KiB-aligned; past end of file reads as zeros. Attaches the mediator's GPU path on
   * first use and fails clearly when it cannot start.
   */
  public void readDevice(long[] offsets, long[] lengths, long[] deviceDests) throws IOException {
    runtime.gpuPath();
    client().read(namespace(), offsets, lengths, deviceDests);
  }

  /** The registry where device destinations for {@link #readDevice} are registered. */
  public io.homi.runtime.mediator.BufferRegistry buffers() {
    return runtime.buffers();
  }

  /** How the mediator's GPU path serves device reads (cuFile mode or staging, and why). */
  public String describeGpuPath() {
    try {
      return runtime.gpuPath().describe();
    } catch (IOException e) {
      return e.getMessage();
    }
  }

  /** The file's namespace, attached (grant, extent map, watch) on first use. */
  Namespace namespace() throws IOException {
    attach();
    return ns;
  }

  /** This reader's queue pair, created on first use; one thread at a time reads through it. */
  QueueClient client() throws IOException {
    attach();
    return client;
  }

  private synchronized void attach() throws IOException {
    if (client != null) return;
    Namespace n = runtime.attach(file, config.pathMode());
    try {
      client = runtime.newClient(config);
      ns = n;
    } catch (IOException | RuntimeException e) {
      runtime.detach(n);
      throw e;
    }
  }

  ReaderRuntime runtime() {
    return runtime;
  }

  @Override
  public synchronized void close() {
    if (client != null) client.close();
    if (ns != null) runtime.detach(ns);
    file.close();
  }
}
