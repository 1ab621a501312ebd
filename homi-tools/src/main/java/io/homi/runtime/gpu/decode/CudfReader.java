package io.homi.runtime.gpu.decode;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * libcudf's Parquet reader through cuDF Java ({@code ai.rapids.cudf}), reached reflectively: the
 * anchor of {@code homi gpucheck-decode --anchor}. cuDF Java ships inside the RAPIDS Accelerator's
 * jar (575 MB with its natives), which neither the build nor CI may pull in, so nothing here links
 * against it: every call goes through a {@link MethodHandle} resolved once by {@link #load}, from
 * the classpath or from a jar named at run time. {@link #load} touches no native code (no class
 * initializer of cuDF runs), so it proves every handle resolves on a machine without a GPU; {@link
 * #init} is the first call that loads libcudf and talks to CUDA.
 */
public final class CudfReader {
  /** Where the handles came from, and cuDF's own version file. */
  private final String origin;

  private final String version;
  private final MethodHandle
      rmmInitialize; // static void Rmm.initialize(int mode, Rmm.LogConf, long poolBytes)
  private final MethodHandle rmmIsInitialized;
  private final int asyncMode; // RmmAllocationMode.CUDA_ASYNC
  private final MethodHandle readParquet; // static Table Table.readParquet(ParquetOptions, File)
  private final Object options; // ParquetOptions: timestamps as microseconds, as homi's decoders
  private final MethodHandle
      chunkedNew; // new ParquetChunkedReader(long chunk, long pass, ParquetOptions, File)
  private final MethodHandle chunkedHasNext;
  private final MethodHandle chunkedReadChunk;
  private final MethodHandle chunkedClose;
  private final MethodHandle tableRows;
  private final MethodHandle tableColumns;
  private final MethodHandle tableColumn; // ColumnVector Table.getColumn(int)
  private final MethodHandle tableClose;
  private final MethodHandle viewType; // DType ColumnView.getType()
  private final MethodHandle viewNulls; // long ColumnView.getNullCount()
  private final MethodHandle copyToHost; // HostColumnVector ColumnView.copyToHost()
  private final MethodHandle hostData;
  private final MethodHandle hostValidity;
  private final MethodHandle hostOffsets;
  private final MethodHandle hostClose;
  private final MethodHandle hostRows;
  private final MethodHandle bufLength; // long MemoryBuffer.getLength()
  private final MethodHandle
      bufGetBytes; // void HostMemoryBuffer.getBytes(byte[] dst, long dstOff, long srcOff, long len)
  private final MethodHandle typeId; // DType.DTypeEnum DType.getTypeId()
  private final MethodHandle typeSize; // int DType.getSizeInBytes()
  private final MethodHandle driverVersion;
  private final MethodHandle ccMajor;
  private final MethodHandle ccMinor;

  private CudfReader(ClassLoader cl, String origin) throws Throwable {
    this.origin = origin;
    MethodHandles.Lookup l = MethodHandles.publicLookup();
    Class<?> table = Class.forName("ai.rapids.cudf.Table", false, cl);
    Class<?> opts = Class.forName("ai.rapids.cudf.ParquetOptions", false, cl);
    Class<?> optsBuilder = Class.forName("ai.rapids.cudf.ParquetOptions$Builder", false, cl);
    Class<?> dtype = Class.forName("ai.rapids.cudf.DType", false, cl);
    Class<?> chunked = Class.forName("ai.rapids.cudf.ParquetChunkedReader", false, cl);
    Class<?> rmm = Class.forName("ai.rapids.cudf.Rmm", false, cl);
    Class<?> logConf = Class.forName("ai.rapids.cudf.Rmm$LogConf", false, cl);
    Class<?> mode = Class.forName("ai.rapids.cudf.RmmAllocationMode", false, cl);
    Class<?> columnVector = Class.forName("ai.rapids.cudf.ColumnVector", false, cl);
    Class<?> columnView = Class.forName("ai.rapids.cudf.ColumnView", false, cl);
    Class<?> hostVector = Class.forName("ai.rapids.cudf.HostColumnVector", false, cl);
    Class<?> hostCore = Class.forName("ai.rapids.cudf.HostColumnVectorCore", false, cl);
    Class<?> hostBuf = Class.forName("ai.rapids.cudf.HostMemoryBuffer", false, cl);
    Class<?> memBuf = Class.forName("ai.rapids.cudf.MemoryBuffer", false, cl);
    Class<?> dtypeEnum = Class.forName("ai.rapids.cudf.DType$DTypeEnum", false, cl);
    Class<?> cuda = Class.forName("ai.rapids.cudf.Cuda", false, cl);
    rmmInitialize =
        l.findStatic(
            rmm, "initialize", MethodType.methodType(void.class, int.class, logConf, long.class));
    rmmIsInitialized = l.findStatic(rmm, "isInitialized", MethodType.methodType(boolean.class));
    // a static final int constant: javac inlines it, so read it from the field, which needs the
    // class
    // initialized; RmmAllocationMode has no native code
    asyncMode = mode.getField("CUDA_ASYNC").getInt(null);
    readParquet =
        l.findStatic(table, "readParquet", MethodType.methodType(table, opts, File.class));
    chunkedNew =
        l.findConstructor(
            chunked, MethodType.methodType(void.class, long.class, long.class, opts, File.class));
    chunkedHasNext = l.findVirtual(chunked, "hasNext", MethodType.methodType(boolean.class));
    chunkedReadChunk = l.findVirtual(chunked, "readChunk", MethodType.methodType(table));
    chunkedClose = l.findVirtual(chunked, "close", MethodType.methodType(void.class));
    tableRows = l.findVirtual(table, "getRowCount", MethodType.methodType(long.class));
    tableColumns = l.findVirtual(table, "getNumberOfColumns", MethodType.methodType(int.class));
    tableColumn = l.findVirtual(table, "getColumn", MethodType.methodType(columnVector, int.class));
    tableClose = l.findVirtual(table, "close", MethodType.methodType(void.class));
    viewType = l.findVirtual(columnView, "getType", MethodType.methodType(dtype));
    viewNulls = l.findVirtual(columnView, "getNullCount", MethodType.methodType(long.class));
    copyToHost = l.findVirtual(columnView, "copyToHost", MethodType.methodType(hostVector));
    hostData = l.findVirtual(hostCore, "getData", MethodType.methodType(hostBuf));
    hostValidity = l.findVirtual(hostCore, "getValidity", MethodType.methodType(hostBuf));
    hostOffsets = l.findVirtual(hostCore, "getOffsets", MethodType.methodType(hostBuf));
    hostClose = l.findVirtual(hostCore, "close", MethodType.methodType(void.class));
    bufLength = l.findVirtual(memBuf, "getLength", MethodType.methodType(long.class));
    bufGetBytes =
        l.findVirtual(
            hostBuf,
            "getBytes",
            MethodType.methodType(void.class, byte[].class, long.class, long.class, long.class));
    typeId = l.findVirtual(dtype, "getTypeId", MethodType.methodType(dtypeEnum));
    typeSize = l.findVirtual(dtype, "getSizeInBytes", MethodType.methodType(int.class));
    hostRows = l.findVirtual(hostCore, "getRowCount", MethodType.methodType(long.class));
    driverVersion = l.findStatic(cuda, "getDriverVersion", MethodType.methodType(int.class));
    ccMajor = l.findStatic(cuda, "getComputeCapabilityMajor", MethodType.methodType(int.class));
    ccMinor = l.findStatic(cuda, "getComputeCapabilityMinor", MethodType.methodType(int.class));
    // The options object: building it runs ParquetOptions' and DType's class initializers, which
    // are plain Java (no native library), so this stays GPU-free. Timestamps as microseconds:
    // homi's
    // decoders turn MILLIS and INT96 into microseconds, so the checksums compare like with like.
    Object micros = dtype.getField("TIMESTAMP_MICROSECONDS").get(null);
    Object b = l.findStatic(opts, "builder", MethodType.methodType(optsBuilder)).invoke();
    b =
        l.findVirtual(optsBuilder, "withTimeUnit", MethodType.methodType(optsBuilder, dtype))
            .invoke(b, micros);
    options = l.findVirtual(optsBuilder, "build", MethodType.methodType(opts)).invoke(b);
    String v = "?";
    try (InputStream in = cl.getResourceAsStream("cudf-java-version-info.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        v =
            p.getProperty("version", "?")
                + " ("
                + p.getProperty("revision", "?").substring(0, 8)
                + ", sm "
                + p.getProperty("gpu_architectures", "?")
                + ")";
      }
    } catch (IOException ignored) {
      // the version is only printed
    }
    this.version = v;
  }

  /** Wraps a Throwable from {@code invoke} that is not an IOException or unchecked. */
  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) return r;
    if (t instanceof Error e) throw e;
    return new IllegalStateException("cuDF: " + t, t);
  }

  /**
   * Resolves every handle: from {@code jar} when given (a class loader of its own, the parent the
   * application's, for slf4j), else from this JVM's classpath. Fails naming what is missing.
   */
  public static CudfReader load(Path jar) {
    ClassLoader cl;
    String origin;
    if (jar != null) {
      if (!Files.isRegularFile(jar))
        throw new IllegalArgumentException("cuDF jar " + jar + " does not exist");
      try {
        cl = new URLClassLoader(new URL[] {jar.toUri().toURL()}, CudfReader.class.getClassLoader());
      } catch (java.net.MalformedURLException e) {
        throw new IllegalArgumentException("cuDF jar " + jar + ": " + e.getMessage(), e);
      }
      origin = jar.toString();
    } else {
      cl = CudfReader.class.getClassLoader();
      origin = "classpath";
    }
    try {
      return new CudfReader(cl, origin);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "cuDF Java is not on the "
              + origin
              + " (missing "
              + e.getMessage()
              + "): put the RAPIDS"
              + " Accelerator jar (rapids-4-spark_2.13-*-cuda*.jar, which holds ai.rapids.cudf) on -cp or pass --cudf-jar",
          e);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "cuDF Java in " + origin + " lacks a method this check calls: " + e, e);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  public String origin() {
    return origin;
  }

  public String version() {
    return version;
  }

  /**
   * Loads libcudf and sets RMM to CUDA's async pool (what the RAPIDS Accelerator uses by default),
   * {@code initialBytes} reserved up front so the first reads do not grow it. The first CUDA call.
   */
  public String init(long initialBytes) {
    try {
      if (!(boolean) rmmIsInitialized.invoke()) rmmInitialize.invoke(asyncMode, null, initialBytes);
      int drv = (int) driverVersion.invoke();
      return "cuDF "
          + version
          + ", RMM CUDA_ASYNC, device cc "
          + (int) ccMajor.invoke()
          + "."
          + (int) ccMinor.invoke()
          + ", driver "
          + drv / 1000
          + "."
          + drv % 1000 / 10;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** A table in device memory; {@link #close} frees it. */
  public final class Table implements AutoCloseable {
    private final Object t;

    private Table(Object t) {
      this.t = t;
    }

    public long rows() {
      try {
        return (long) tableRows.invoke(t);
      } catch (Throwable e) {
        throw rethrow(e);
      }
    }

    /** Per column: type, null count and {@link Checksum} of the values, through a host copy. */
    public List<Checksum.Column> checksums() {
      List<Checksum.Column> out = new ArrayList<>();
      try {
        int n = (int) tableColumns.invoke(t);
        for (int i = 0; i < n; i++) out.add(checksum(tableColumn.invoke(t, i)));
      } catch (Throwable e) {
        throw rethrow(e);
      }
      return out;
    }

    @Override
    public void close() {
      try {
        tableClose.invoke(t);
      } catch (Throwable e) {
        throw rethrow(e);
      }
    }
  }

  /** {@code Table.readParquet(options, file)}: the whole file, every column, synchronous. */
  public Table read(Path file) {
    try {
      return new Table(readParquet.invoke(options, file.toFile()));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * {@code ParquetChunkedReader(chunkBytes, passBytes, options, file)} read to its end, each chunk
   * freed as soon as it is counted (the way the RAPIDS Accelerator consumes it). Returns the rows.
   */
  public long readChunked(Path file, long chunkBytes, long passBytes) {
    try {
      Object r = chunkedNew.invoke(chunkBytes, passBytes, options, file.toFile());
      long rows = 0;
      try {
        while ((boolean) chunkedHasNext.invoke(r)) {
          Object t = chunkedReadChunk.invoke(r);
          try {
            rows += (long) tableRows.invoke(t);
          } finally {
            tableClose.invoke(t);
          }
        }
      } finally {
        chunkedClose.invoke(r);
      }
      return rows;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private Checksum.Column checksum(Object column) throws Throwable {
    Object type = viewType.invoke(column);
    String id = typeId.invoke(type).toString();
    int width = (int) typeSize.invoke(type);
    long nulls = (long) viewNulls.invoke(column);
    Object host = copyToHost.invoke(column);
    try {
      long rows = (long) hostRows.invoke(host);
      boolean string = id.equals("STRING");
      Long value =
          Checksum.ofBuffers(
              id,
              width,
              rows,
              bytes(hostValidity.invoke(host)),
              string ? bytes(hostOffsets.invoke(host)) : null,
              bytes(hostData.invoke(host)));
      return new Checksum.Column(id, nulls, value);
    } catch (IllegalStateException tooLarge) {
      return new Checksum.Column(id, nulls, null); // named "not checksummed" in the table
    } finally {
      hostClose.invoke(host);
    }
  }

  /**
   * The whole host buffer as a byte array (null for a null buffer): only for the untimed checksum.
   */
  private byte[] bytes(Object buf) throws Throwable {
    if (buf == null) return null;
    long n = (long) bufLength.invoke(buf);
    if (n > Integer.MAX_VALUE - 16)
      throw new IllegalStateException(
          "cuDF column buffer of " + n + " bytes: too large to checksum");
    byte[] a = new byte[(int) n];
    bufGetBytes.invoke(buf, a, 0L, 0L, n);
    return a;
  }
}
