package io.homi.runtime.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.mediator.PathPolicy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The registry's checks and precedence rules, on the real entries. */
class SettingsTest {
  @Test
  void badValuesFailNamingTheKeyAndWhatItTakes() {
    assertThatThrownBy(() -> HomiSettings.QUEUE_DEPTH.parse("1"))
        .hasMessage("homi.queueDepth must be in [2, 4096]: got '1'");
    assertThatThrownBy(() -> HomiSettings.BATCH_ROWS.parse("lots"))
        .hasMessage("homi.batchRows must be an integer: got 'lots'");
    assertThatThrownBy(() -> HomiSettings.MAX_COMMAND_BYTES.parse("4q"))
        .hasMessage("homi.maxCommandBytes must be a number (suffixes k, m, g allowed): got '4q'");
    assertThatThrownBy(() -> HomiSettings.MAX_COMMAND_BYTES.parse("128m"))
        .hasMessageStartingWith("homi.maxCommandBytes must be in [4096, ");
    assertThatThrownBy(() -> HomiSettings.MAX_COMMAND_BYTES.parse("99999999999g"))
        .hasMessageContaining("homi.maxCommandBytes must be a number");
    assertThatThrownBy(() -> HomiSettings.LAZY_DICTIONARY.parse("yes"))
        .hasMessage("homi.lazyDictionary must be true or false: got 'yes'");
    assertThatThrownBy(() -> HomiSettings.PATH.parse("cuda"))
        .hasMessage(
            "homi.path must be one of auto, os, direct, device, passthrough, vf, gpu: got 'cuda'");
    assertThatThrownBy(() -> HomiSettings.LIBCUDA.parse(" "))
        .hasMessage("homi.libcuda must not be empty");
    assertThatThrownBy(() -> HomiConfig.from(Map.of("HOMI.COALESCEGAP", "-1")))
        .hasMessageContaining("homi.coalesceGap");
  }

  @Test
  void valuesParseWithSuffixesAndAnyCase() {
    assertThat(HomiSettings.MAX_COMMAND_BYTES.parse("64k")).isEqualTo(64L << 10);
    assertThat(HomiSettings.MAX_COMMAND_BYTES.parse(" 4MB ")).isEqualTo(4L << 20);
    assertThat(HomiSettings.OUTPUT.parse("GPU-or-Host")).isEqualTo("gpu-or-host");
    assertThat(HomiSettings.URING.parse("FALSE")).isFalse();
    HomiConfig c = HomiConfig.from(Map.of("Homi.Path", "Direct", "homi.batchrows", "333"));
    assertThat(c.pathMode()).isEqualTo(PathPolicy.Mode.DIRECT);
    assertThat(c.batchRows()).isEqualTo(333);
    assertThat(c.queueDepth()).isEqualTo(HomiSettings.QUEUE_DEPTH.defaultValue());
  }

  @Test
  void scanValuesComeFromTheFirstLayerThatHasThem() {
    Map<String, String> option = Map.of("homi.batchRows", "333");
    Map<String, String> session =
        Map.of("homi.batchRows", "1000", "homi.queueDepth", "8", "homi.ioThreads", "3");
    Map<String, String> sysProps =
        Map.of(
            "homi.batchRows",
            "2000",
            "homi.queueDepth",
            "16",
            "homi.maxCommandBytes",
            "64k",
            "homi.bench.dir",
            "target");
    Map<String, String> m = HomiSettings.resolveScan(List.of(option, session, sysProps), 1);
    assertThat(m)
        .containsEntry("homi.batchRows", "333")
        .containsEntry("homi.queueDepth", "8")
        .containsEntry("homi.maxCommandBytes", "64k")
        .doesNotContainKeys("homi.ioThreads", "homi.bench.dir", "homi.path");
    HomiConfig c = HomiConfig.from(m);
    assertThat(c.batchRows()).isEqualTo(333);
    assertThat(c.queueDepth()).isEqualTo(8);
    assertThat(c.maxCommandBytes()).isEqualTo(64L << 10);
    assertThat(c.coalesceGapBytes()).isEqualTo(1L << 20);
    // A bad value in a lower layer is hidden by a good one above it, and fails where it is used.
    assertThat(HomiSettings.resolveScan(List.of(option, Map.of("homi.batchRows", "0")), 1))
        .containsEntry("homi.batchRows", "333");
    assertThatThrownBy(
            () -> HomiSettings.resolveScan(List.of(Map.of(), Map.of("homi.batchRows", "0")), 1))
        .hasMessage("homi.batchRows must be in [1, 16777216]: got '0'");
  }

  @Test
  void theDeprecatedTaskSizeSetsMaxCommandBytesWithOneWarning() {
    assertThat(HomiSettings.byKey("homi.TASKSIZE")).isSameAs(HomiSettings.MAX_COMMAND_BYTES);
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    Map<String, String> resolved;
    try {
      // slf4j-simple (the runtime's test logger) writes to the System.err of the moment.
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      resolved =
          HomiSettings.resolveScan(List.of(Map.of("homi.taskSize", "64k"), Map.of(), Map.of()), 1);
      HomiSettings.resolveScan(List.of(Map.of("homi.taskSize", "128k")), 1);
    } finally {
      System.setErr(err);
    }
    // Resolved under the new key, so the executors never see the old one.
    assertThat(resolved).containsEntry("homi.maxCommandBytes", "64k").hasSize(1);
    assertThat(HomiConfig.from(resolved).maxCommandBytes()).isEqualTo(64L << 10);
    assertThat(HomiConfig.from(Map.of("homi.taskSize", "8k")).maxCommandBytes())
        .isEqualTo(8L << 10);
    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(log)
        .contains(
            "WARN",
            "homi.taskSize is deprecated, set homi.maxCommandBytes instead; the value '64k' is used as"
                + " homi.maxCommandBytes");
    assertThat(log.split("is deprecated", -1)).as("one WARN per JVM: %s", log).hasSize(2);

    // Both names with the same value: that value; different values: a failure naming both.
    assertThat(
            HomiConfig.from(Map.of("homi.taskSize", "64K", "homi.maxCommandBytes", "65536"))
                .maxCommandBytes())
        .isEqualTo(64L << 10);
    assertThatThrownBy(
            () ->
                HomiSettings.resolveScan(
                    List.of(Map.of("homi.taskSize", "64k", "homi.maxCommandBytes", "1m")), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "homi.maxCommandBytes and its deprecated name homi.taskSize are both set, to '1m' and"
                + " '64k': set only homi.maxCommandBytes");
    // A bad value under the old name fails naming the setting.
    assertThatThrownBy(() -> HomiConfig.from(Map.of("homi.taskSize", "4q")))
        .hasMessage("homi.maxCommandBytes must be a number (suffixes k, m, g allowed): got '4q'");
  }

  @Test
  void readOptionsMustBePerScanSettings() {
    assertThatThrownBy(() -> HomiSettings.resolveScan(List.of(Map.of("homi.ioThreads", "4")), 1))
        .hasMessage(
            "homi.ioThreads is a per-JVM setting, not a read option: set spark.homi.ioThreads in the Spark conf"
                + " (or -Dhomi.ioThreads on the JVM)");
    assertThatThrownBy(() -> HomiSettings.resolveScan(List.of(Map.of("homi.queueDeph", "4")), 1))
        .hasMessageStartingWith(
            "unknown option homi.queueDeph; the homi.* options are homi.path, homi.queueDepth,");
    // Other keys are Spark's own file-source options.
    assertThat(HomiSettings.resolveScan(List.of(Map.of("mergeSchema", "true", "path", "/x")), 1))
        .isEmpty();
  }

  @Test
  void jvmValuesSparkConfOverSystemPropertyOverDefault() {
    JvmSettings s =
        JvmSettings.resolve(
            HomiSettings.fromSparkConf(
                Map.of(
                    "spark.homi.stallTimeoutMs",
                    "90000",
                    "spark.homi.footerCacheFiles",
                    "77",
                    "spark.executor.memory",
                    "1g")),
            Map.of("homi.stallTimeoutMs", "60000", "homi.gpuWorkers", "3"));
    assertThat(s.get(HomiSettings.STALL_TIMEOUT_MS)).isEqualTo(90_000L);
    assertThat(s.source(HomiSettings.STALL_TIMEOUT_MS)).isEqualTo("spark.homi.stallTimeoutMs");
    assertThat(s.get(HomiSettings.FOOTER_CACHE_FILES)).isEqualTo(77);
    assertThat(s.get(HomiSettings.GPU_WORKERS)).isEqualTo(3);
    assertThat(s.source(HomiSettings.GPU_WORKERS)).isEqualTo("-Dhomi.gpuWorkers");
    assertThat(s.get(HomiSettings.URING)).isTrue();
    assertThat(s.source(HomiSettings.URING)).isEqualTo("default");
    assertThat(s.get(HomiSettings.LIBCUDA)).isNull();
    assertThat(s.get(HomiSettings.LIBCUFILE)).isEqualTo("cufile");
    assertThat(s.get(HomiSettings.IO_THREADS))
        .isEqualTo(Math.max(64, 2 * Runtime.getRuntime().availableProcessors()));
    assertThatThrownBy(() -> s.get(HomiSettings.BATCH_ROWS))
        .hasMessage("homi.batchRows is a per-scan setting");
  }

  @Test
  void badJvmValuesNameTheKeyAndWhereTheyWereGiven() {
    assertThatThrownBy(() -> JvmSettings.resolve(Map.of("homi.ioThreads", "zero"), Map.of()))
        .hasMessage("homi.ioThreads must be an integer: got 'zero' (from spark.homi.ioThreads)");
    assertThatThrownBy(() -> JvmSettings.resolve(Map.of(), Map.of("homi.serviceThreads", "0")))
        .hasMessage(
            "homi.serviceThreads must be in [1, 256]: got '0' (from -Dhomi.serviceThreads)");
    assertThatThrownBy(() -> JvmSettings.resolve(Map.of(), Map.of("homi.uring", "off")))
        .hasMessage("homi.uring must be true or false: got 'off' (from -Dhomi.uring)");
  }

  @Test
  void theRuntimeOfThisJvmUsesTheResolvedValues() {
    // This JVM (surefire's) sets no homi.* settings: the runtime runs on the defaults, each said to
    // be one.
    JvmSettings s = io.homi.runtime.HomiRuntime.get().settings();
    assertThat(s).isSameAs(JvmSettings.get());
    for (Setting<?> k : HomiSettings.all()) {
      if (k.scope() != Setting.Scope.JVM || System.getProperty(k.key()) != null) continue;
      assertThat(s.source(k)).as(k.key()).isEqualTo("default");
      assertThat((Object) s.get(k)).as(k.key()).isEqualTo(k.defaultValue());
    }
  }

  @Test
  void keysAreUniqueAndSpelledAsDeclared() {
    assertThat(HomiSettings.all())
        .extracting(Setting::key)
        .doesNotHaveDuplicates()
        .allMatch(k -> k.startsWith("homi."));
    assertThat(HomiSettings.byKey("HOMI.QUEUEDEPTH")).isSameAs(HomiSettings.QUEUE_DEPTH);
    assertThat(HomiSettings.QUEUE_DEPTH.sparkKey()).isEqualTo("spark.homi.queueDepth");
    assertThat(Setting.bytesText(4L << 20)).isEqualTo("4m");
    assertThat(Setting.bytesText(1000)).isEqualTo("1000");
  }
}
