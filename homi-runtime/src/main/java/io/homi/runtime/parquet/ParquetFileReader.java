package io.homi.runtime.parquet;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
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
 * One Parquet file opened through the runtime: attached as a namespace (its grant), with its
 * own queue pair, its footer read and checked, and its schema mapped. Row groups are read
 * with {@link #openRowGroup}; every byte comes through the mediator.
 */
public final class ParquetFileReader implements AutoCloseable {
  private final HomiRuntime runtime;
  private final HomiConfig config;
  private final OpenFile file;
  private final Namespace ns;
  private final QueueClient client;
  private final FileMetaData metadata;
  private final ParquetSchema schema;

  private ParquetFileReader(HomiRuntime runtime, HomiConfig config, OpenFile file, Namespace ns,
                            QueueClient client, FileMetaData metadata, ParquetSchema schema) {
    this.runtime = runtime;
    this.config = config;
    this.file = file;
    this.ns = ns;
    this.client = client;
    this.metadata = metadata;
    this.schema = schema;
  }

  public static ParquetFileReader open(HomiRuntime runtime, Path path, HomiConfig config) throws IOException {
    if (!Files.exists(path)) throw new FileNotFoundException("file not found: " + path);
    if (Files.isDirectory(path)) throw new HomiParquetException("not a Parquet file: " + path + " is a directory");
    OpenFile file = OpenFile.open(path);
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
    return client.stats();
  }

  public int rowGroupCount() {
    return metadata.getRow_groupsSize();
  }

  public long rowCount(int rowGroup) {
    return metadata.getRow_groups().get(rowGroup).getNum_rows();
  }

  /** Fetches the row group's projected column chunks (coalesced) and prepares their decoders. */
  public RowGroupReader openRowGroup(int rowGroup, List<ColumnDescriptor> columns) throws IOException {
    if (rowGroup < 0 || rowGroup >= rowGroupCount()) {
      throw new IllegalArgumentException("row group " + rowGroup + " of " + rowGroupCount() + " in " + path());
    }
    return RowGroupReader.open(this, rowGroup, columns, null);
  }

  /**
   * As {@link #openRowGroup(int, List)}, reading only the data pages {@code pages} selects (and
   * each chunk's dictionary page); null reads whole chunks. Flat columns only.
   */
  public RowGroupReader openRowGroup(int rowGroup, List<ColumnDescriptor> columns, PageSelection pages)
      throws IOException {
    if (rowGroup < 0 || rowGroup >= rowGroupCount()) {
      throw new IllegalArgumentException("row group " + rowGroup + " of " + rowGroupCount() + " in " + path());
    }
    return RowGroupReader.open(this, rowGroup, columns, pages);
  }

  /** The row group's ColumnIndexes and OffsetIndexes of these leaves (those it has), read through the runtime. */
  public PageIndexReader.PageIndexes readPageIndexes(int rowGroup, java.util.Set<Integer> columnIndexLeaves,
                                                     java.util.Set<Integer> offsetIndexLeaves) throws IOException {
    return PageIndexReader.read(this, rowGroup, columnIndexLeaves, offsetIndexLeaves);
  }

  /**
   * Every entry of a top-level column's dictionary in row group {@code rowGroup}, as PLAIN
   * bytes, or null when not every data page of the chunk is known to be dictionary-encoded.
   */
  public List<byte[]> readDictionary(int rowGroup, ColumnDescriptor column) throws IOException {
    return DictionaryPageReader.read(this, rowGroup, column);
  }

  HomiConfig config() {
    return config;
  }

  Namespace namespace() {
    return ns;
  }

  QueueClient client() {
    return client;
  }

  HomiRuntime runtime() {
    return runtime;
  }

  @Override
  public void close() {
    client.close();
    runtime.detach(ns);
    file.close();
  }
}
