package io.homi.runtime.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.CompressionCodec;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.FieldRepetitionType;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.KeyValue;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Type;
import org.apache.parquet.format.Util;
import org.junit.jupiter.api.Test;

/**
 * Hostile Thrift: declared sizes that would make the generated code allocate gigabytes, nesting
 * that would overflow the stack, lengths past the input. Each must end in an IOException saying
 * what is wrong, quickly and with no Error.
 */
class ThriftCodecTest {
  /** A small valid footer, written by parquet-format's own writer. */
  static byte[] validFooter() throws Exception {
    SchemaElement root = new SchemaElement("spark_schema").setNum_children(1);
    SchemaElement id =
        new SchemaElement("id")
            .setType(Type.INT64)
            .setRepetition_type(FieldRepetitionType.OPTIONAL);
    ColumnMetaData cm =
        new ColumnMetaData(
            Type.INT64,
            List.of(Encoding.PLAIN),
            List.of("id"),
            CompressionCodec.UNCOMPRESSED,
            10,
            100,
            100,
            4);
    RowGroup rg = new RowGroup(List.of(new ColumnChunk(4).setMeta_data(cm)), 100, 10);
    FileMetaData md = new FileMetaData(1, List.of(root, id), 10, List.of(rg));
    md.setKey_value_metadata(List.of(new KeyValue("k").setValue("v")));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Util.writeFileMetaData(md, out);
    return out.toByteArray();
  }

  private static String failure(byte[] bytes) {
    Throwable t = catchThrowable(() -> ThriftCodec.fileMetaData(ByteBuffer.wrap(bytes)));
    assertThat(t).isInstanceOf(java.io.IOException.class);
    assertThat(t.getMessage()).startsWith("can not read FileMetaData");
    return t.getMessage();
  }

  @Test
  void aValidFooterDecodesAsParquetFormatDoes() throws Exception {
    byte[] f = validFooter();
    assertThat(ThriftCodec.fileMetaData(ByteBuffer.wrap(f)))
        .isEqualTo(Util.readFileMetaData(new java.io.ByteArrayInputStream(f)));
  }

  @Test
  void aListDeclaringTwoBillionElementsFailsBeforeAllocating() {
    // version = 1, then field 2 (schema): a list of structs with 2^31-1 elements in 9 bytes.
    byte[] b = {
      0x15, 0x02, 0x19, (byte) 0xFC, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07, 0, 0
    };
    assertThat(failure(b)).contains("list declares 2147483647 elements").contains("bytes remain");
  }

  @Test
  void everyListOfTheFooterIsBounded() throws Exception {
    // Rewrite each list header of a valid footer (schema, row groups, columns, encodings,
    // path, key/value) to a huge count: every one must fail cleanly.
    byte[] f = validFooter();
    int lists = 0;
    for (int i = 0; i + 1 < f.length; i++) {
      int t = f[i] & 0x0f;
      int n = (f[i] & 0xf0) >>> 4;
      boolean listHeader =
          n >= 1 && n < 15 && (t == 12 || t == 5 || t == 8) && i > 0 && (f[i - 1] & 0x0f) == 9;
      if (!listHeader) continue;
      byte[] m = new byte[f.length + 4];
      System.arraycopy(f, 0, m, 0, i);
      m[i] = (byte) (0xF0 | t);
      byte[] big = {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07};
      System.arraycopy(big, 0, m, i + 1, 5);
      System.arraycopy(f, i + 1, m, i + 6, f.length - i - 1 - 2);
      if (failure(m).contains("elements but only"))
        lists++; // else a byte that only looked like a list header
    }
    assertThat(lists).isGreaterThanOrEqualTo(4);
  }

  @Test
  void nestingTenThousandDeepFailsWithoutStackOverflow() {
    // Field 1 declared as a struct (it is an i32): the generated code skips it, recursively.
    byte[] b = new byte[100_000];
    Arrays.fill(b, (byte) 0x1C);
    assertThat(failure(b)).contains("nested deeper than " + ThriftCodec.MAX_DEPTH);
  }

  @Test
  void aBinaryLongerThanTheInputFails() {
    // field 2 list of 1 struct, whose field 4 (name, binary) declares 1 GiB.
    byte[] b = {
      0x15, 0x02, 0x19, 0x1C, 0x48, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04, 0, 0
    };
    failure(b);
  }

  @Test
  void aNegativeBinaryLengthFailsCleanly() {
    // Found by HostileFuzzIT: TCompactProtocol let length -1 through to a null buffer (an NPE).
    // field 2 list of 1 struct, whose field 4 (name, binary) declares length 0xFFFFFFFF = -1.
    byte[] b = {
      0x15, 0x02, 0x19, 0x1C, 0x48, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F, 0, 0
    };
    assertThat(failure(b)).contains("binary value declares -1 bytes");
  }

  @Test
  void truncatedFootersFailCleanly() throws Exception {
    byte[] f = validFooter();
    for (int n = 0; n < f.length - 1; n++) failure(Arrays.copyOf(f, n));
  }

  @Test
  void aPageHeaderIsBoundedByTheBytesGiven() {
    // PageHeader field 1 (type i32) = 0, then field 2: a list where an i32 belongs, 2^31-1 long.
    byte[] b = {
      0x15, 0x00, 0x19, (byte) 0xF5, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07, 0
    };
    Throwable t =
        catchThrowable(() -> ThriftCodec.pageHeader(new java.io.ByteArrayInputStream(b), b.length));
    assertThat(t)
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("can not read PageHeader");
  }
}
