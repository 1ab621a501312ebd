package io.homi.runtime.gpu.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.homi.runtime.os.CLayout;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * DeviceArrayExport's named offsets against the Arrow C (Device) Data Interface structs, laid out
 * by the C compiler.
 */
class DeviceArrayLayoutTest {
  @Test
  void offsetsMatchArrowCAbi() throws Exception {
    assumeTrue(CLayout.compiler() != null, "no C compiler to lay out the Arrow C structs");
    String abi;
    try (var in = DeviceArrayLayoutTest.class.getResourceAsStream("arrow_c_abi.h")) {
      abi = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Map<String, String> expr = new LinkedHashMap<>();
    Map<String, Long> java = new LinkedHashMap<>();
    field(expr, java, "ArrowArray", "length", DeviceArrayExport.ArrowArray.LENGTH);
    field(expr, java, "ArrowArray", "null_count", DeviceArrayExport.ArrowArray.NULL_COUNT);
    field(expr, java, "ArrowArray", "offset", DeviceArrayExport.ArrowArray.OFFSET);
    field(expr, java, "ArrowArray", "n_buffers", DeviceArrayExport.ArrowArray.N_BUFFERS);
    field(expr, java, "ArrowArray", "n_children", DeviceArrayExport.ArrowArray.N_CHILDREN);
    field(expr, java, "ArrowArray", "buffers", DeviceArrayExport.ArrowArray.BUFFERS);
    field(expr, java, "ArrowArray", "children", DeviceArrayExport.ArrowArray.CHILDREN);
    field(expr, java, "ArrowArray", "dictionary", DeviceArrayExport.ArrowArray.DICTIONARY);
    field(expr, java, "ArrowArray", "release", DeviceArrayExport.ArrowArray.RELEASE);
    field(expr, java, "ArrowArray", "private_data", DeviceArrayExport.ArrowArray.PRIVATE_DATA);
    field(expr, java, "ArrowSchema", "format", DeviceArrayExport.ArrowSchema.FORMAT);
    field(expr, java, "ArrowSchema", "name", DeviceArrayExport.ArrowSchema.NAME);
    field(expr, java, "ArrowSchema", "metadata", DeviceArrayExport.ArrowSchema.METADATA);
    field(expr, java, "ArrowSchema", "flags", DeviceArrayExport.ArrowSchema.FLAGS);
    field(expr, java, "ArrowSchema", "n_children", DeviceArrayExport.ArrowSchema.N_CHILDREN);
    field(expr, java, "ArrowSchema", "children", DeviceArrayExport.ArrowSchema.CHILDREN);
    field(expr, java, "ArrowSchema", "dictionary", DeviceArrayExport.ArrowSchema.DICTIONARY);
    field(expr, java, "ArrowSchema", "release", DeviceArrayExport.ArrowSchema.RELEASE);
    field(expr, java, "ArrowSchema", "private_data", DeviceArrayExport.ArrowSchema.PRIVATE_DATA);
    field(expr, java, "ArrowDeviceArray", "array", DeviceArrayExport.ArrowDeviceArray.ARRAY);
    field(
        expr, java, "ArrowDeviceArray", "device_id", DeviceArrayExport.ArrowDeviceArray.DEVICE_ID);
    field(
        expr,
        java,
        "ArrowDeviceArray",
        "device_type",
        DeviceArrayExport.ArrowDeviceArray.DEVICE_TYPE);
    field(
        expr,
        java,
        "ArrowDeviceArray",
        "sync_event",
        DeviceArrayExport.ArrowDeviceArray.SYNC_EVENT);
    field(expr, java, "ArrowDeviceArray", "reserved", DeviceArrayExport.ArrowDeviceArray.RESERVED);
    expr.put("sizeof(ArrowArray)", "sizeof(struct ArrowArray)");
    java.put("sizeof(ArrowArray)", (long) DeviceArrayExport.ARRAY_BYTES);
    expr.put("sizeof(ArrowSchema)", "sizeof(struct ArrowSchema)");
    java.put("sizeof(ArrowSchema)", (long) DeviceArrayExport.SCHEMA_BYTES);
    expr.put("sizeof(ArrowDeviceArray)", "sizeof(struct ArrowDeviceArray)");
    java.put("sizeof(ArrowDeviceArray)", (long) DeviceArrayExport.DEVICE_ARRAY_BYTES);
    expr.put("ARROW_DEVICE_CUDA", "ARROW_DEVICE_CUDA");
    java.put("ARROW_DEVICE_CUDA", (long) DeviceArrayExport.ARROW_DEVICE_CUDA);
    expr.put("ARROW_FLAG_NULLABLE", "ARROW_FLAG_NULLABLE");
    java.put("ARROW_FLAG_NULLABLE", DeviceArrayExport.FLAG_NULLABLE);
    assertThat(java).isEqualTo(CLayout.of(abi, expr));
  }

  private static void field(
      Map<String, String> expr,
      Map<String, Long> java,
      String struct,
      String field,
      int javaOffset) {
    String name = struct + "." + field;
    expr.put(name, "offsetof(struct " + struct + ", " + field + ")");
    java.put(name, (long) javaOffset);
  }
}
