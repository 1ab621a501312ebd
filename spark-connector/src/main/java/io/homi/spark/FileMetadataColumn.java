package io.homi.spark;

import io.homi.runtime.stats.RowRanges;
import java.net.URI;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.catalog.MetadataColumn;
import org.apache.spark.sql.execution.vectorized.ColumnVectorUtils;
import org.apache.spark.sql.execution.vectorized.ConstantColumnVector;
import org.apache.spark.sql.execution.vectorized.OnHeapColumnVector;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.sql.vectorized.ColumnarMap;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Spark's hidden {@code _metadata} column of file sources, with the fields and types that {@code
 * format("parquet")} gives: the file's path, name, size, modification time, the task's byte range
 * of it, and each row's index within its file. The file fields are constants of a split; {@code
 * row_index} follows the row groups and page-index row ranges actually read, so pruning never
 * shifts it.
 */
final class FileMetadataColumn extends ColumnVector {
  static final String NAME = "_metadata";
  static final StructType TYPE =
      new StructType(
          new StructField[] {
            new StructField(
                "file_path",
                DataTypes.StringType,
                false,
                org.apache.spark.sql.types.Metadata.empty()),
            new StructField(
                "file_name",
                DataTypes.StringType,
                false,
                org.apache.spark.sql.types.Metadata.empty()),
            new StructField(
                "file_size",
                DataTypes.LongType,
                false,
                org.apache.spark.sql.types.Metadata.empty()),
            new StructField(
                "file_block_start",
                DataTypes.LongType,
                false,
                org.apache.spark.sql.types.Metadata.empty()),
            new StructField(
                "file_block_length",
                DataTypes.LongType,
                false,
                org.apache.spark.sql.types.Metadata.empty()),
            new StructField(
                "file_modification_time",
                DataTypes.TimestampType,
                false,
                org.apache.spark.sql.types.Metadata.empty()),
            new StructField(
                "row_index", DataTypes.LongType, false, org.apache.spark.sql.types.Metadata.empty())
          });

  /** The column as {@code SupportsMetadataColumns} declares it. */
  static final MetadataColumn COLUMN =
      new MetadataColumn() {
        @Override
        public String name() {
          return NAME;
        }

        @Override
        public DataType dataType() {
          return TYPE;
        }

        @Override
        public boolean isNullable() {
          return false;
        }
      };

  private final ColumnVector[] children;
  private final OnHeapColumnVector rowIndex; // null when row_index is not read
  private final long[] groupFirstRow; // file row number of each row group's first row
  private int rowGroup = -1;
  private RowRanges selected; // rows of the row group read (page-index pruning), or null for all

  private FileMetadataColumn(
      StructType type, ColumnVector[] children, OnHeapColumnVector rowIndex, long[] groupFirstRow) {
    super(type);
    this.children = children;
    this.rowIndex = rowIndex;
    this.groupFirstRow = groupFirstRow;
  }

  /** The requested fields (Spark may prune the struct) of one split's metadata. */
  static FileMetadataColumn of(
      StructType requested,
      HomiInputPartition.Split split,
      List<Long> rowGroupRows,
      int batchRows) {
    URI uri = URI.create(split.urlPath());
    String raw = uri.getRawPath();
    ColumnVector[] cs = new ColumnVector[requested.fields().length];
    OnHeapColumnVector rowIndex = null;
    for (int i = 0; i < cs.length; i++) {
      StructField f = requested.fields()[i];
      Object v =
          switch (f.name()) {
            case "file_path" ->
                UTF8String.fromString(
                    new org.apache.hadoop.fs.Path(uri).toString()); // as parquet: file:/x
            case "file_name" -> UTF8String.fromString(raw.substring(raw.lastIndexOf('/') + 1));
            case "file_size" -> split.plannedSize();
            case "file_block_start" -> split.start();
            case "file_block_length" -> split.length();
            case "file_modification_time" -> split.plannedMtimeMillis() * 1000L;
            case "row_index" -> null;
            default ->
                throw new IllegalArgumentException("homi: unknown _metadata field " + f.name());
          };
      if (f.name().equals("row_index")) {
        rowIndex = new OnHeapColumnVector(batchRows, DataTypes.LongType);
        cs[i] = rowIndex;
      } else {
        ConstantColumnVector c = new ConstantColumnVector(batchRows, f.dataType());
        ColumnVectorUtils.populate(c, new GenericInternalRow(new Object[] {v}), 0);
        cs[i] = c;
      }
    }
    long[] first = new long[rowGroupRows.size()];
    for (int i = 1; i < first.length; i++) first[i] = first[i - 1] + rowGroupRows.get(i - 1);
    return new FileMetadataColumn(requested, cs, rowIndex, first);
  }

  /**
   * A row group starts: {@code rows} are the row-group rows it yields (page-index pruning), or null
   * for all.
   */
  void startRowGroup(int rg, RowRanges rows) {
    this.rowGroup = rg;
    this.selected = rows;
  }

  /**
   * Fills row_index for a batch of {@code n} rows starting at the {@code position}-th row the row
   * group yields.
   */
  void fill(long position, int n) {
    if (rowIndex == null) return;
    rowIndex.reserve(n); // a GPU batch is a whole row group
    long base = groupFirstRow[rowGroup];
    if (selected == null) {
      for (int i = 0; i < n; i++) rowIndex.putLong(i, base + position + i);
      return;
    }
    int i = 0;
    long skip = position; // rows of the selection before this batch
    for (long[] r : selected.intervals()) {
      long len = r[1] - r[0];
      if (skip >= len) {
        skip -= len;
        continue;
      }
      for (long row = r[0] + skip; row < r[1] && i < n; row++) rowIndex.putLong(i++, base + row);
      skip = 0;
      if (i == n) return;
    }
    if (i < n)
      throw new IllegalStateException(
          "homi: row_index past the selected rows of row group " + rowGroup);
  }

  /**
   * Spark may close a batch it is done with; this column lives as long as its split ({@link
   * #free}).
   */
  @Override
  public void close() {}

  void free() {
    for (ColumnVector c : children) c.close();
  }

  @Override
  public boolean hasNull() {
    return false;
  }

  @Override
  public int numNulls() {
    return 0;
  }

  @Override
  public boolean isNullAt(int rowId) {
    return false;
  }

  @Override
  public ColumnVector getChild(int ordinal) {
    return children[ordinal];
  }

  @Override
  public boolean getBoolean(int rowId) {
    throw unsupported();
  }

  @Override
  public byte getByte(int rowId) {
    throw unsupported();
  }

  @Override
  public short getShort(int rowId) {
    throw unsupported();
  }

  @Override
  public int getInt(int rowId) {
    throw unsupported();
  }

  @Override
  public long getLong(int rowId) {
    throw unsupported();
  }

  @Override
  public float getFloat(int rowId) {
    throw unsupported();
  }

  @Override
  public double getDouble(int rowId) {
    throw unsupported();
  }

  @Override
  public ColumnarArray getArray(int rowId) {
    throw unsupported();
  }

  @Override
  public ColumnarMap getMap(int ordinal) {
    throw unsupported();
  }

  @Override
  public Decimal getDecimal(int rowId, int precision, int scale) {
    throw unsupported();
  }

  @Override
  public UTF8String getUTF8String(int rowId) {
    throw unsupported();
  }

  @Override
  public byte[] getBinary(int rowId) {
    throw unsupported();
  }

  private static UnsupportedOperationException unsupported() {
    return new UnsupportedOperationException("_metadata is a struct");
  }
}
