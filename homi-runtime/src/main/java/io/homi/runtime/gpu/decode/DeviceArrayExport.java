package io.homi.runtime.gpu.decode;

import com.sun.jna.Callback;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.homi.runtime.parquet.ValueKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A batch exported through the Arrow C Device Data Interface: an ArrowDeviceArray (device type CUDA
 * = 2, sync_event = a pointer to the batch's CUevent) holding a struct array with one child per
 * column, and the matching ArrowSchema. Layouts are those of arrow/c/abi.h on 64-bit Linux.
 *
 * <p>The buffers stay owned by the {@link DeviceBatch}: the structs borrow them, so the batch must
 * outlive every consumer. A consumer's release() marks the struct (and its children) released, as
 * the interface requires; the native memory of the structs goes with {@link #close}.
 */
public final class DeviceArrayExport implements AutoCloseable {
  public static final int ARROW_DEVICE_CUDA = 2;
  public static final int DEVICE_ARRAY_BYTES = 128;
  public static final int ARRAY_BYTES = 80;
  public static final int SCHEMA_BYTES = 72;
  static final long FLAG_NULLABLE = 2;

  // Byte offsets of the C structs' fields (arrow/c/abi.h, 64-bit); DeviceArrayLayoutTest lays the
  // same structs out with the C compiler and compares.
  /** struct ArrowArray. */
  static final class ArrowArray {
    static final int LENGTH = 0;
    static final int NULL_COUNT = 8;
    static final int OFFSET = 16;
    static final int N_BUFFERS = 24;
    static final int N_CHILDREN = 32;
    static final int BUFFERS = 40;
    static final int CHILDREN = 48;
    static final int DICTIONARY = 56;
    static final int RELEASE = 64;
    static final int PRIVATE_DATA = 72;

    private ArrowArray() {}
  }

  /** struct ArrowSchema. */
  static final class ArrowSchema {
    static final int FORMAT = 0;
    static final int NAME = 8;
    static final int METADATA = 16;
    static final int FLAGS = 24;
    static final int N_CHILDREN = 32;
    static final int CHILDREN = 40;
    static final int DICTIONARY = 48;
    static final int RELEASE = 56;
    static final int PRIVATE_DATA = 64;

    private ArrowSchema() {}
  }

  /** struct ArrowDeviceArray: the ArrowArray by value, then the device fields. */
  static final class ArrowDeviceArray {
    static final int ARRAY = 0;
    static final int DEVICE_ID = 80;
    static final int DEVICE_TYPE = 88;
    static final int SYNC_EVENT = 96;
    static final int RESERVED = 104;

    private ArrowDeviceArray() {}
  }

  /**
   * One column as exported: Arrow buffers in C order (validity, [offsets,] values) as device
   * addresses.
   */
  public record Column(
      String name, ValueKind kind, long length, long nullCount, long[] buffers, String format) {
    /**
     * A column whose C Data Interface format follows from its kind alone (no decimals or
     * timestamps).
     */
    public Column(String name, ValueKind kind, long length, long nullCount, long[] buffers) {
      this(name, kind, length, nullCount, buffers, DeviceArrayExport.format(kind));
    }
  }

  /**
   * release(struct ArrowArray*) / release(struct ArrowSchema*): marks released (release = NULL).
   */
  public interface Release extends Callback {
    void invoke(Pointer struct);
  }

  private static final Release RELEASE_ARRAY =
      p -> {
        long n = p.getLong(ArrowArray.N_CHILDREN);
        Pointer children = p.getPointer(ArrowArray.CHILDREN);
        for (int i = 0; i < n && children != null; i++)
          children.getPointer(8L * i).setPointer(ArrowArray.RELEASE, null);
        p.setPointer(ArrowArray.RELEASE, null);
      };
  private static final Release RELEASE_SCHEMA =
      p -> {
        long n = p.getLong(ArrowSchema.N_CHILDREN);
        Pointer children = p.getPointer(ArrowSchema.CHILDREN);
        for (int i = 0; i < n && children != null; i++)
          children.getPointer(8L * i).setPointer(ArrowSchema.RELEASE, null);
        p.setPointer(ArrowSchema.RELEASE, null);
      };

  private final List<Memory> keep = new ArrayList<>();
  private final Memory deviceArray;
  private final Memory schema;

  private DeviceArrayExport(List<Column> cols, long rows, int deviceId, long cuEvent) {
    Memory event = mem(8);
    event.setLong(0, cuEvent);
    Memory childPtrs = mem(8L * Math.max(1, cols.size()));
    Memory schemaPtrs = mem(8L * Math.max(1, cols.size()));
    for (int i = 0; i < cols.size(); i++) {
      Column c = cols.get(i);
      Memory bufs = mem(8L * c.buffers().length);
      for (int b = 0; b < c.buffers().length; b++) bufs.setLong(8L * b, c.buffers()[b]);
      Memory child = array(c.length(), c.nullCount(), c.buffers().length, 0, bufs, null);
      childPtrs.setPointer(8L * i, child);
      schemaPtrs.setPointer(8L * i, schema(c.format(), c.name(), FLAG_NULLABLE, 0, null));
    }
    Memory parentBufs = mem(8);
    parentBufs.setLong(0, 0); // a struct's validity: absent (no null rows)
    Memory parent = array(rows, 0, 1, cols.size(), parentBufs, childPtrs);
    deviceArray = mem(DEVICE_ARRAY_BYTES);
    deviceArray.clear();
    // the ArrowArray is embedded by value at offset 0
    byte[] a = parent.getByteArray(0, ARRAY_BYTES);
    deviceArray.write(ArrowDeviceArray.ARRAY, a, 0, a.length);
    deviceArray.setLong(ArrowDeviceArray.DEVICE_ID, deviceId);
    deviceArray.setInt(ArrowDeviceArray.DEVICE_TYPE, ARROW_DEVICE_CUDA);
    deviceArray.setPointer(ArrowDeviceArray.SYNC_EVENT, event);
    schema = schema("+s", "", 0, cols.size(), schemaPtrs);
  }

  /** Exports {@code batch} (decoded on CUDA device {@code deviceId}). */
  public static DeviceArrayExport of(DeviceBatch batch, int deviceId) {
    List<Column> cols = new ArrayList<>();
    for (DeviceColumn c : batch.columns()) {
      cols.add(
          new Column(
              c.column().name(),
              c.column().kind(),
              c.rows(),
              c.nullCount(),
              c.bufferAddresses(),
              format(c.column())));
    }
    return new DeviceArrayExport(cols, batch.rows(), deviceId, batch.syncEvent());
  }

  /** Exports columns given by address (what {@link #of(DeviceBatch, int)} does, without a GPU). */
  public static DeviceArrayExport of(List<Column> cols, long rows, int deviceId, long cuEvent) {
    return new DeviceArrayExport(cols, rows, deviceId, cuEvent);
  }

  /** The struct ArrowDeviceArray* to hand to a consumer. */
  public long deviceArrayAddress() {
    return Pointer.nativeValue(deviceArray);
  }

  /** The struct ArrowSchema* describing it. */
  public long schemaAddress() {
    return Pointer.nativeValue(schema);
  }

  /**
   * The C Data Interface format of a decoded column: decimals and timestamps need the Arrow type's
   * parameters.
   */
  static String format(io.homi.runtime.parquet.ColumnDescriptor c) {
    org.apache.arrow.vector.types.pojo.ArrowType t = c.arrowType();
    if (t instanceof org.apache.arrow.vector.types.pojo.ArrowType.Decimal d)
      return "d:" + d.getPrecision() + "," + d.getScale();
    if (t instanceof org.apache.arrow.vector.types.pojo.ArrowType.Timestamp ts) {
      String unit =
          switch (ts.getUnit()) {
            case SECOND -> "s";
            case MILLISECOND -> "m";
            case MICROSECOND -> "u";
            case NANOSECOND -> "n";
          };
      return "ts" + unit + ":" + (ts.getTimezone() == null ? "" : ts.getTimezone());
    }
    return format(c.kind());
  }

  static String format(ValueKind k) {
    return switch (k) {
      case BOOLEAN -> "b";
      case INT8 -> "c";
      case INT16 -> "s";
      case INT32 -> "i";
      case INT64, UINT32 -> "l";
      case UINT8 -> "s";
      case UINT16 -> "i";
      case FLOAT -> "f";
      case DOUBLE -> "g";
      case DATE -> "tdD";
      case STRING -> "u";
      case BINARY -> "z";
      default ->
          throw new IllegalArgumentException(
              k + " is not decoded on the GPU (PageTable.GPU_KINDS)");
    };
  }

  private Memory array(
      long length, long nullCount, int nBuffers, int nChildren, Memory buffers, Memory children) {
    Memory m = mem(ARRAY_BYTES);
    m.setLong(ArrowArray.LENGTH, length);
    m.setLong(ArrowArray.NULL_COUNT, nullCount);
    m.setLong(ArrowArray.OFFSET, 0);
    m.setLong(ArrowArray.N_BUFFERS, nBuffers);
    m.setLong(ArrowArray.N_CHILDREN, nChildren);
    m.setPointer(ArrowArray.BUFFERS, buffers);
    m.setPointer(ArrowArray.CHILDREN, children);
    m.setPointer(ArrowArray.DICTIONARY, null);
    m.setPointer(
        ArrowArray.RELEASE, com.sun.jna.CallbackReference.getFunctionPointer(RELEASE_ARRAY));
    m.setPointer(ArrowArray.PRIVATE_DATA, null);
    return m;
  }

  private Memory schema(String format, String name, long flags, int nChildren, Memory children) {
    Memory m = mem(SCHEMA_BYTES);
    m.setPointer(ArrowSchema.FORMAT, cString(format));
    m.setPointer(ArrowSchema.NAME, cString(name));
    m.setPointer(ArrowSchema.METADATA, null);
    m.setLong(ArrowSchema.FLAGS, flags);
    m.setLong(ArrowSchema.N_CHILDREN, nChildren);
    m.setPointer(ArrowSchema.CHILDREN, children);
    m.setPointer(ArrowSchema.DICTIONARY, null);
    m.setPointer(
        ArrowSchema.RELEASE, com.sun.jna.CallbackReference.getFunctionPointer(RELEASE_SCHEMA));
    m.setPointer(ArrowSchema.PRIVATE_DATA, null);
    return m;
  }

  private Memory cString(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    Memory m = mem(b.length + 1L);
    m.write(0, b, 0, b.length);
    m.setByte(b.length, (byte) 0);
    return m;
  }

  private Memory mem(long bytes) {
    Memory m = new Memory(bytes);
    keep.add(m);
    return m;
  }

  @Override
  public void close() {
    keep.forEach(Memory::close);
    keep.clear();
  }
}
