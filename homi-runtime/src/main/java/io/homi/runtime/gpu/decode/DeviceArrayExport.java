package io.homi.runtime.gpu.decode;

import com.sun.jna.Callback;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.homi.runtime.parquet.ValueKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A batch exported through the Arrow C Device Data Interface: an ArrowDeviceArray (device type
 * CUDA = 2, sync_event = a pointer to the batch's CUevent) holding a struct array with one child
 * per column, and the matching ArrowSchema. Layouts are those of arrow/c/abi.h on 64-bit Linux.
 *
 * <p>The buffers stay owned by the {@link DeviceBatch}: the structs borrow them, so the batch
 * must outlive every consumer. A consumer's release() marks the struct (and its children)
 * released, as the interface requires; the native memory of the structs goes with {@link #close}.
 */
public final class DeviceArrayExport implements AutoCloseable {
  public static final int ARROW_DEVICE_CUDA = 2;
  public static final int DEVICE_ARRAY_BYTES = 128;
  public static final int ARRAY_BYTES = 80;
  public static final int SCHEMA_BYTES = 72;
  static final long FLAG_NULLABLE = 2;

  /** One column as exported: Arrow buffers in C order (validity, [offsets,] values) as device addresses. */
  public record Column(String name, ValueKind kind, long length, long nullCount, long[] buffers, String format) {
    /** A column whose C Data Interface format follows from its kind alone (no decimals or timestamps). */
    public Column(String name, ValueKind kind, long length, long nullCount, long[] buffers) {
      this(name, kind, length, nullCount, buffers, DeviceArrayExport.format(kind));
    }
  }

  /** release(struct ArrowArray*) / release(struct ArrowSchema*): marks released (release = NULL). */
  public interface Release extends Callback {
    void invoke(Pointer struct);
  }

  private static final Release RELEASE_ARRAY = p -> {
    long n = p.getLong(32);
    Pointer children = p.getPointer(48);
    for (int i = 0; i < n && children != null; i++) children.getPointer(8L * i).setPointer(64, null);
    p.setPointer(64, null);
  };
  private static final Release RELEASE_SCHEMA = p -> {
    long n = p.getLong(32);
    Pointer children = p.getPointer(40);
    for (int i = 0; i < n && children != null; i++) children.getPointer(8L * i).setPointer(56, null);
    p.setPointer(56, null);
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
    deviceArray.write(0, a, 0, a.length);
    deviceArray.setLong(80, deviceId);
    deviceArray.setInt(88, ARROW_DEVICE_CUDA);
    deviceArray.setPointer(96, event);
    schema = schema("+s", "", 0, cols.size(), schemaPtrs);
  }

  /** Exports {@code batch} (decoded on CUDA device {@code deviceId}). */
  public static DeviceArrayExport of(DeviceBatch batch, int deviceId) {
    List<Column> cols = new ArrayList<>();
    for (DeviceColumn c : batch.columns()) {
      cols.add(new Column(c.column().name(), c.column().kind(), c.rows(), c.nullCount(), c.bufferAddresses(),
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

  /** The C Data Interface format of a decoded column: decimals and timestamps need the Arrow type's parameters. */
  static String format(io.homi.runtime.parquet.ColumnDescriptor c) {
    org.apache.arrow.vector.types.pojo.ArrowType t = c.arrowType();
    if (t instanceof org.apache.arrow.vector.types.pojo.ArrowType.Decimal d) return "d:" + d.getPrecision() + "," + d.getScale();
    if (t instanceof org.apache.arrow.vector.types.pojo.ArrowType.Timestamp ts) {
      String unit = switch (ts.getUnit()) {
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
      default -> throw new IllegalArgumentException(k + " is not decoded on the GPU (PageTable.GPU_KINDS)");
    };
  }

  private Memory array(long length, long nullCount, int nBuffers, int nChildren, Memory buffers, Memory children) {
    Memory m = mem(ARRAY_BYTES);
    m.setLong(0, length);
    m.setLong(8, nullCount);
    m.setLong(16, 0); // offset
    m.setLong(24, nBuffers);
    m.setLong(32, nChildren);
    m.setPointer(40, buffers);
    m.setPointer(48, children);
    m.setPointer(56, null); // dictionary
    m.setPointer(64, com.sun.jna.CallbackReference.getFunctionPointer(RELEASE_ARRAY));
    m.setPointer(72, null); // private_data
    return m;
  }

  private Memory schema(String format, String name, long flags, int nChildren, Memory children) {
    Memory m = mem(SCHEMA_BYTES);
    m.setPointer(0, cString(format));
    m.setPointer(8, cString(name));
    m.setPointer(16, null); // metadata
    m.setLong(24, flags);
    m.setLong(32, nChildren);
    m.setPointer(40, children);
    m.setPointer(48, null); // dictionary
    m.setPointer(56, com.sun.jna.CallbackReference.getFunctionPointer(RELEASE_SCHEMA));
    m.setPointer(64, null);
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
