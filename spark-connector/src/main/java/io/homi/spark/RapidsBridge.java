package io.homi.spark;

import io.homi.runtime.HomiRuntime;
import io.homi.runtime.gpu.CudaDriver;
import io.homi.runtime.gpu.decode.DeviceColumn;
import io.homi.runtime.parquet.ValueKind;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place homi touches the RAPIDS Accelerator's and cuDF's classes. Neither is a build
 * dependency (cuDF's jar is 337-742 MB, the plugin's 575 MB, and CI has neither): both are reached
 * through method handles resolved once per JVM against the plugin that Spark loaded, whose version
 * must be 26.08.x (the one whose signatures these handles were checked against, by {@code
 * RapidsBridgeJarTest} on the real jar). Anything missing or different makes {@link
 * #unavailableReason()} non-null, and {@link RapidsBridgeRule} then leaves the plan to RAPIDS' own
 * {@code HostColumnarToGpu} over homi's arrow output.
 *
 * <p>What a batch becomes ({@link #toGpu}): one cuDF column per Spark column, in buffers allocated
 * from RAPIDS' memory pool ({@code DeviceMemoryBuffer.allocate}), wrapped by {@code new
 * ai.rapids.cudf.ColumnVector(type, rows, nullCount, data, validity, offsets)} (which takes
 * ownership) and {@code GpuColumnVector.from(column, sparkType)}; the consumer (RAPIDS) closes the
 * batch.
 *
 * <ul>
 *   <li>a column homi decoded on the GPU ({@link DeviceColumnVector}, Arrow layout): one
 *       device-to-device copy per buffer, after the decode's sync event, on the legacy default
 *       stream (ordered after RAPIDS' per-thread streams), synchronized before the batch is
 *       returned; Arrow's validity bitmap (LSB first) is cuDF's mask, padded here to 64 bytes;
 *       strings keep their INT32 offsets; date = TIMESTAMP_DAYS, timestamp =
 *       TIMESTAMP_MICROSECONDS;
 *   <li>booleans (Arrow bit-packed, cuDF BOOL8 one byte a row), constants (partition values), row
 *       groups the GPU kernels refused and decoded on the CPU: values written into host memory in
 *       cuDF's layout and copied to the GPU once.
 * </ul>
 *
 * Decimals, binary, timestamp_ntz and nested types are not taken ({@link #unsupported}): such a
 * scan stays on the arrow path.
 */
final class RapidsBridge {
  private static final Logger LOG = LoggerFactory.getLogger(RapidsBridge.class);

  /** The plugin versions whose classes and signatures the handles below were checked against. */
  static final String SUPPORTED_VERSION_PREFIX = "26.08.";

  static final String VERSION_RESOURCE = "rapids4spark-version-info.properties";
  static final String SHIM_LOADER = "com.nvidia.spark.rapids.ShimLoader";
  private static final long LEGACY_STREAM =
      0; // CU_STREAM_LEGACY: implicitly ordered with blocking streams

  private static volatile RapidsBridge instance;
  private static volatile String unavailable;

  private final String version;
  private final Map<String, Object> dtypes; // DType constants by name
  private final MethodHandle allocate; // static DeviceMemoryBuffer allocate(long)
  private final MethodHandle address; // long MemoryBuffer.getAddress()
  private final MethodHandle closeBuffer; // void MemoryBuffer.close()
  private final MethodHandle
      newColumn; // ColumnVector(DType, long, Optional<Long>, DMB data, DMB validity, DMB offsets)
  private final MethodHandle closeColumn; // void ColumnVector.close()
  private final MethodHandle
      gpuColumn; // static GpuColumnVector GpuColumnVector.from(ColumnVector, DataType)
  private final MethodHandle
      semaphoreModule; // static GpuSemaphore$ GpuSemaphore$.MODULE$ (fetched at first use)
  private final MethodHandle acquireSemaphore; // void GpuSemaphore$.acquireIfNecessary(TaskContext)
  private volatile Object semaphore;

  private RapidsBridge(ClassLoader loader) throws Throwable {
    version = pluginVersion(loader);
    if (version == null)
      throw new ClassNotFoundException(VERSION_RESOURCE + " (the plugin's version file)");
    if (!version.startsWith(SUPPORTED_VERSION_PREFIX)) {
      throw new UnsupportedOperationException(
          "RAPIDS plugin " + version + " is not " + SUPPORTED_VERSION_PREFIX + "x");
    }
    MethodHandles.Lookup l = MethodHandles.publicLookup();
    Class<?> dtype = Class.forName("ai.rapids.cudf.DType", false, loader);
    Class<?> memoryBuffer = Class.forName("ai.rapids.cudf.MemoryBuffer", false, loader);
    Class<?> deviceBuffer = Class.forName("ai.rapids.cudf.DeviceMemoryBuffer", false, loader);
    Class<?> cudfColumn = Class.forName("ai.rapids.cudf.ColumnVector", false, loader);
    Class<?> gpuColumnVector =
        Class.forName("com.nvidia.spark.rapids.GpuColumnVector", false, loader);
    Class<?> semaphore = Class.forName("com.nvidia.spark.rapids.GpuSemaphore$", false, loader);
    dtypes = new ConcurrentHashMap<>();
    for (String n :
        List.of(
            "BOOL8",
            "INT8",
            "INT16",
            "INT32",
            "INT64",
            "FLOAT32",
            "FLOAT64",
            "TIMESTAMP_DAYS",
            "TIMESTAMP_MICROSECONDS",
            "STRING")) {
      dtypes.put(n, l.findStaticGetter(dtype, n, dtype).invoke());
    }
    allocate =
        l.findStatic(deviceBuffer, "allocate", MethodType.methodType(deviceBuffer, long.class));
    address = l.findVirtual(memoryBuffer, "getAddress", MethodType.methodType(long.class));
    closeBuffer = l.findVirtual(memoryBuffer, "close", MethodType.methodType(void.class));
    newColumn =
        l.findConstructor(
            cudfColumn,
            MethodType.methodType(
                void.class,
                dtype,
                long.class,
                Optional.class,
                deviceBuffer,
                deviceBuffer,
                deviceBuffer));
    closeColumn = l.findVirtual(cudfColumn, "close", MethodType.methodType(void.class));
    gpuColumn =
        l.findStatic(
            gpuColumnVector,
            "from",
            MethodType.methodType(gpuColumnVector, cudfColumn, DataType.class));
    // Classes are not initialized here (cuDF's ColumnVector loads its native library when it is):
    // resolving checks names and signatures only, which a test does on the real jar without a GPU.
    semaphoreModule = l.findStaticGetter(semaphore, "MODULE$", semaphore);
    acquireSemaphore =
        l.findVirtual(
            semaphore, "acquireIfNecessary", MethodType.methodType(void.class, TaskContext.class));
  }

  /** Rethrows what a method handle threw (its signature says Throwable). */
  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) return r;
    if (t instanceof Error e) throw e;
    return new IllegalStateException(t);
  }

  /**
   * This JVM's bridge, resolved on first use from the class loader RAPIDS loaded its classes with
   * ({@code ShimLoader.getShimClassLoader()}), or null when it cannot be had (then {@link
   * #unavailableReason()} says why, and says it once in the log).
   */
  static RapidsBridge get() {
    RapidsBridge b = instance;
    if (b != null || unavailable != null) return b;
    synchronized (RapidsBridge.class) {
      if (instance != null || unavailable != null) return instance;
      try {
        instance = new RapidsBridge(shimClassLoader());
        LOG.info(
            "homi RAPIDS bridge: plugin {} found; homi scans under HomiRapidsExtension hand GPU columns to RAPIDS",
            instance.version);
      } catch (Throwable e) {
        unavailable =
            "RAPIDS bridge unavailable ("
                + e.getClass().getSimpleName()
                + ": "
                + e.getMessage()
                + "); homi scans stay on homi.output=arrow with RAPIDS' HostColumnarToGpu";
        LOG.warn("homi {}", unavailable);
      }
      return instance;
    }
  }

  /**
   * For tests: resolves against {@code loader} (the real plugin jar's classes), not the running
   * plugin's.
   */
  static RapidsBridge resolve(ClassLoader loader) throws Throwable {
    return new RapidsBridge(loader);
  }

  /** Why this JVM cannot hand GPU columns to RAPIDS, or null when it can. */
  static String unavailableReason() {
    get();
    return unavailable;
  }

  String version() {
    return version;
  }

  /**
   * RAPIDS' class loader for its per-Spark-version classes (spark-shared/, spark411/ in its jar).
   */
  private static ClassLoader shimClassLoader() throws ReflectiveOperationException {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    Class<?> shim;
    try {
      shim = Class.forName(SHIM_LOADER, true, context);
    } catch (ClassNotFoundException e) {
      shim =
          Class.forName(
              SHIM_LOADER, true, org.apache.spark.util.Utils.getContextOrSparkClassLoader());
    }
    try {
      return (ClassLoader)
          MethodHandles.publicLookup()
              .findStatic(shim, "getShimClassLoader", MethodType.methodType(ClassLoader.class))
              .invoke();
    } catch (Throwable t) {
      throw t instanceof ReflectiveOperationException r ? r : new ReflectiveOperationException(t);
    }
  }

  /**
   * The plugin's version ({@code version=} of its version file), or null when the file is not
   * there.
   */
  static String pluginVersion(ClassLoader loader) {
    try (InputStream in = loader.getResourceAsStream(VERSION_RESOURCE)) {
      if (in == null) return null;
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (java.io.IOException e) {
      return null;
    }
  }

  /** Why the bridge does not take {@code schema}, or null when it takes every column. */
  static String unsupported(StructType schema) {
    for (StructField f : schema.fields()) {
      if (cudfType(f.dataType()) == null)
        return "column '" + f.name() + "' is " + f.dataType().simpleString();
    }
    return null;
  }

  /** cuDF's type of a Spark type the bridge takes (RAPIDS' own mapping), or null. */
  static String cudfType(DataType t) {
    if (t.equals(DataTypes.BooleanType)) return "BOOL8";
    if (t.equals(DataTypes.ByteType)) return "INT8";
    if (t.equals(DataTypes.ShortType)) return "INT16";
    if (t.equals(DataTypes.IntegerType)) return "INT32";
    if (t.equals(DataTypes.LongType)) return "INT64";
    if (t.equals(DataTypes.FloatType)) return "FLOAT32";
    if (t.equals(DataTypes.DoubleType)) return "FLOAT64";
    if (t.equals(DataTypes.DateType)) return "TIMESTAMP_DAYS";
    if (t.equals(DataTypes.TimestampType)) return "TIMESTAMP_MICROSECONDS";
    if (t.equals(DataTypes.StringType)) return "STRING"; // UTF8 binary collation only (equals)
    return null;
  }

  private static int width(String cudf) {
    return switch (cudf) {
      case "BOOL8", "INT8" -> 1;
      case "INT16" -> 2;
      case "INT32", "FLOAT32", "TIMESTAMP_DAYS" -> 4;
      case "INT64", "FLOAT64", "TIMESTAMP_MICROSECONDS" -> 8;
      default -> 0; // STRING
    };
  }

  /** cuDF wants masks allocated in multiples of 64 bytes. */
  static long maskBytes(long rows) {
    return ((rows + 511) / 512) * 64;
  }

  /**
   * {@code in} ({@code schema}'s columns) as a batch of RAPIDS GPU columns the caller owns; {@code
   * in} is left as it was (the reader releases it). Runs on the task's thread: takes the GPU
   * semaphore first, as RAPIDS does before a task puts data on the GPU.
   */
  ColumnarBatch toGpu(ColumnarBatch in, StructType schema, BufferAllocator host) {
    acquireSemaphore();
    int rows = in.numRows();
    ColumnVector[] out = new ColumnVector[in.numCols()];
    List<Object> pending = new ArrayList<>(); // buffers not yet owned by a cuDF column
    boolean ok = false;
    try {
      bind(in);
      long waited = 0; // the sync event already waited for (one decode per batch)
      for (int i = 0; i < out.length; i++) {
        DataType t = schema.fields()[i].dataType();
        String cudf = cudfType(t);
        if (cudf == null)
          throw new IllegalArgumentException(
              "column '" + schema.fields()[i].name() + "' is " + t.simpleString());
        ColumnVector c = in.column(i);
        Object col;
        if (c instanceof DeviceColumnVector d
            && !cudf.equals("BOOL8")
            && matches(d.deviceColumn(), cudf)) {
          long ev = d.deviceBatch().syncEvent();
          if (ev != waited) {
            CudaDriver.streamWaitEvent(
                LEGACY_STREAM, ev); // the decode's kernels, on homi's stream, come first
            waited = ev;
          }
          col = fromDevice(d.deviceColumn(), cudf, pending);
        } else {
          col = fromHost(c, cudf, rows, host, pending);
        }
        out[i] = (ColumnVector) gpuColumn.invoke(col, t); // owns col
      }
      CudaDriver.streamSynchronize(
          LEGACY_STREAM); // copies done: the batch is complete for any stream
      ok = true;
      return new ColumnarBatch(out, rows);
    } catch (Throwable t) {
      throw rethrow(t);
    } finally {
      if (!ok) {
        for (ColumnVector c : out) if (c != null) c.close();
        for (Object b : pending) close(b);
      }
    }
  }

  /**
   * RAPIDS' GPU semaphore for this task ({@code GpuSemaphore.acquireIfNecessary}; a no-op when
   * held, released by RAPIDS when the task ends): taken before homi decodes on the GPU and before
   * the copies.
   */
  void acquireSemaphore() {
    TaskContext task = TaskContext.get();
    if (task == null) return;
    try {
      if (semaphore == null) semaphore = semaphoreModule.invoke();
      acquireSemaphore.invoke(semaphore, task);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /**
   * Whether homi's device column has the layout cuDF's type wants (fixed widths checked against the
   * values buffer).
   */
  private static boolean matches(DeviceColumn c, String cudf) {
    ValueKind k = c.column().kind();
    if (cudf.equals("STRING")) return k.isByteArray() && c.bufferAddresses().length == 3;
    if (k.isByteArray() || c.bufferAddresses().length != 2) return false;
    return c.bufferBytes()[1] >= c.rows() * width(cudf);
  }

  private Object fromDevice(DeviceColumn c, String cudf, List<Object> pending) throws Throwable {
    long rows = c.rows();
    long[] at = c.bufferAddresses();
    long[] bytes = c.bufferBytes();
    Object validity = null;
    if (c.nullCount() > 0) {
      validity = alloc(maskBytes(rows), pending);
      copyD(validity, at[0], (rows + 7) / 8);
    }
    Object data = null;
    Object offsets = null;
    if (cudf.equals("STRING")) {
      offsets = alloc((rows + 1) * 4, pending);
      copyD(offsets, at[1], (rows + 1) * 4);
      long chars = bytes[2];
      if (chars > 0) {
        data = alloc(chars, pending);
        copyD(data, at[2], chars);
      }
    } else {
      long n = rows * width(cudf);
      if (n > 0) {
        data = alloc(n, pending);
        copyD(data, at[1], n);
      }
    }
    return column(cudf, rows, c.nullCount(), data, validity, offsets, pending);
  }

  private void copyD(Object to, long from, long bytes) throws Throwable {
    if (bytes > 0) CudaDriver.copyDtoDAsync((long) address.invoke(to), from, bytes, LEGACY_STREAM);
  }

  /**
   * Values read through Spark's ColumnVector API into host memory in cuDF's layout, then one copy
   * to the GPU per buffer.
   */
  private Object fromHost(
      ColumnVector c, String cudf, int rows, BufferAllocator host, List<Object> pending)
      throws Throwable {
    long nulls = 0;
    for (int r = 0; r < rows; r++) if (c.isNullAt(r)) nulls++;
    Object validity = null;
    if (nulls > 0) {
      try (ArrowBuf m = host.buffer(maskBytes(rows))) {
        m.setZero(0, m.capacity());
        for (int r = 0; r < rows; r++) {
          if (!c.isNullAt(r)) m.setByte(r >>> 3, m.getByte(r >>> 3) | (1 << (r & 7)));
        }
        validity = upload(m, maskBytes(rows), pending);
      }
    }
    Object data = null;
    Object offsets = null;
    if (cudf.equals("STRING")) {
      long chars = 0;
      for (int r = 0; r < rows; r++) if (!c.isNullAt(r)) chars += c.getUTF8String(r).numBytes();
      if (chars > Integer.MAX_VALUE)
        throw new IllegalArgumentException(chars + " bytes of strings in one batch");
      try (ArrowBuf o = host.buffer((rows + 1L) * 4);
          ArrowBuf d = host.buffer(Math.max(1, chars))) {
        int pos = 0;
        o.setInt(0, 0);
        for (int r = 0; r < rows; r++) {
          if (!c.isNullAt(r)) {
            byte[] b = c.getUTF8String(r).getBytes();
            d.setBytes(pos, b);
            pos += b.length;
          }
          o.setInt((r + 1L) * 4, pos);
        }
        offsets = upload(o, (rows + 1L) * 4, pending);
        if (chars > 0) data = upload(d, chars, pending);
      }
    } else if (rows > 0) {
      int w = width(cudf);
      try (ArrowBuf d = host.buffer((long) rows * w)) {
        for (int r = 0; r < rows; r++) {
          long at = (long) r * w;
          boolean isNull = c.isNullAt(r);
          switch (cudf) {
            case "BOOL8" -> d.setByte(at, !isNull && c.getBoolean(r) ? 1 : 0);
            case "INT8" -> d.setByte(at, isNull ? 0 : c.getByte(r));
            case "INT16" -> d.setShort(at, isNull ? 0 : c.getShort(r));
            case "INT32", "TIMESTAMP_DAYS" -> d.setInt(at, isNull ? 0 : c.getInt(r));
            case "INT64", "TIMESTAMP_MICROSECONDS" -> d.setLong(at, isNull ? 0 : c.getLong(r));
            case "FLOAT32" -> d.setFloat(at, isNull ? 0 : c.getFloat(r));
            case "FLOAT64" -> d.setDouble(at, isNull ? 0 : c.getDouble(r));
            default -> throw new IllegalArgumentException(cudf);
          }
        }
        data = upload(d, (long) rows * w, pending);
      }
    }
    return column(cudf, rows, nulls, data, validity, offsets, pending);
  }

  private Object upload(ArrowBuf from, long bytes, List<Object> pending) throws Throwable {
    Object b = alloc(bytes, pending);
    CudaDriver.copyHtoD(
        (long) address.invoke(b),
        from.memoryAddress(),
        bytes); // synchronous: the host buffer can go
    return b;
  }

  private Object alloc(long bytes, List<Object> pending) throws Throwable {
    Object b = allocate.invoke(bytes);
    pending.add(b);
    return b;
  }

  /** A cuDF column owning {@code data}, {@code validity} and {@code offsets} (each may be null). */
  private Object column(
      String cudf,
      long rows,
      long nulls,
      Object data,
      Object validity,
      Object offsets,
      List<Object> pending)
      throws Throwable {
    Object col =
        newColumn.invoke(dtypes.get(cudf), rows, Optional.of(nulls), data, validity, offsets);
    pending.remove(data);
    pending.remove(validity);
    pending.remove(offsets);
    return col;
  }

  private void close(Object buffer) {
    try {
      closeBuffer.invoke(buffer);
    } catch (Throwable t) {
      LOG.warn("homi RAPIDS bridge: closing a device buffer failed: {}", t.toString());
    }
  }

  /**
   * Makes the primary context of the batch's GPU (or the task's, for a host batch) current on this
   * thread: the driver API copies below need it, and it is the context RAPIDS' runtime calls use.
   * The device is the runtime's ({@link HomiRuntime#gpuDevice(int)}: one handle per GPU, shared
   * with the decoders that made the batch).
   */
  private static void bind(ColumnarBatch in) {
    int ordinal = GpuAssignment.forCurrentTask().ordinal();
    for (int i = 0; i < in.numCols(); i++) {
      if (in.column(i) instanceof DeviceColumnVector d) {
        ordinal = d.deviceOrdinal();
        break;
      }
    }
    HomiRuntime.get().gpuDevice(ordinal).bind();
  }

  /** For tests and the closing of a failed batch: closes a cuDF column made here. */
  void closeColumn(Object column) {
    try {
      closeColumn.invoke(column);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }
}
