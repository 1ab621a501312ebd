package io.homi.runtime.gpu.decode;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Function;
import com.sun.jna.Pointer;
import io.homi.runtime.parquet.ValueKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Arrow C Device Data Interface structs, byte by byte at the offsets of arrow/c/abi.h (64-bit).
 */
class DeviceArrayExportTest {
  @Test
  void deviceArrayAndSchemaHaveTheAbiLayout() {
    List<DeviceArrayExport.Column> cols =
        List.of(
            new DeviceArrayExport.Column("id", ValueKind.INT64, 5, 1, new long[] {0x1000, 0x2000}),
            new DeviceArrayExport.Column(
                "name", ValueKind.STRING, 5, 2, new long[] {0x3000, 0x4000, 0x5000}));
    try (DeviceArrayExport e = DeviceArrayExport.of(cols, 5, 3, 0xABCDEFL)) {
      Pointer d = new Pointer(e.deviceArrayAddress());
      // struct ArrowArray array (80 bytes) by value
      assertThat(d.getLong(0)).as("length").isEqualTo(5);
      assertThat(d.getLong(8)).as("null_count").isZero();
      assertThat(d.getLong(16)).as("offset").isZero();
      assertThat(d.getLong(24)).as("n_buffers").isEqualTo(1);
      assertThat(d.getLong(32)).as("n_children").isEqualTo(2);
      assertThat(d.getPointer(40).getLong(0)).as("struct validity absent").isZero();
      assertThat(d.getPointer(56)).as("dictionary").isNull();
      assertThat(d.getPointer(64)).as("release set").isNotNull();
      // device fields
      assertThat(d.getLong(80)).as("device_id").isEqualTo(3);
      assertThat(d.getInt(88)).as("device_type CUDA").isEqualTo(2);
      assertThat(d.getPointer(96).getLong(0))
          .as("sync_event points at the CUevent")
          .isEqualTo(0xABCDEFL);
      for (int i = 104; i < 128; i += 8) assertThat(d.getLong(i)).as("reserved").isZero();

      Pointer child1 = d.getPointer(48).getPointer(8);
      assertThat(child1.getLong(0)).isEqualTo(5);
      assertThat(child1.getLong(8)).as("null_count").isEqualTo(2);
      assertThat(child1.getLong(24)).as("n_buffers: validity, offsets, data").isEqualTo(3);
      assertThat(child1.getPointer(40).getLongArray(0, 3)).containsExactly(0x3000, 0x4000, 0x5000);
      Pointer child0 = d.getPointer(48).getPointer(0);
      assertThat(child0.getPointer(40).getLongArray(0, 2)).containsExactly(0x1000, 0x2000);

      Pointer s = new Pointer(e.schemaAddress());
      assertThat(s.getPointer(0).getString(0)).isEqualTo("+s");
      assertThat(s.getLong(32)).isEqualTo(2);
      Pointer s1 = s.getPointer(40).getPointer(8);
      assertThat(s1.getPointer(0).getString(0)).isEqualTo("u");
      assertThat(s1.getPointer(8).getString(0)).isEqualTo("name");
      assertThat(s1.getLong(24)).as("ARROW_FLAG_NULLABLE").isEqualTo(2);
      assertThat(s.getPointer(40).getPointer(0).getPointer(0).getString(0)).isEqualTo("l");

      // a consumer calls release through the function pointer: the struct and its children are
      // marked released
      Function.getFunction(d.getPointer(64)).invokeVoid(new Object[] {d});
      assertThat(d.getPointer(64)).isNull();
      assertThat(child1.getPointer(64)).isNull();
      Function.getFunction(s.getPointer(56)).invokeVoid(new Object[] {s});
      assertThat(s.getPointer(56)).isNull();
      assertThat(s1.getPointer(56)).isNull();
    }
  }

  @Test
  void formatsFollowTheCDataInterface() {
    assertThat(DeviceArrayExport.format(ValueKind.DATE)).isEqualTo("tdD");
    assertThat(DeviceArrayExport.format(ValueKind.BINARY)).isEqualTo("z");
    assertThat(DeviceArrayExport.format(ValueKind.INT16)).isEqualTo("s");
    assertThat(DeviceArrayExport.format(ValueKind.DOUBLE)).isEqualTo("g");
  }
}
