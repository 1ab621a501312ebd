package io.homi.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HomiRapidsExtension without a GPU: the rule's rewrite on real Spark plans of homi scans (CPU
 * Spark has no HostColumnarToGpu, so its ColumnarToRowExec stands in as the transition above the
 * scan), the cases it leaves alone, the fallback when no RAPIDS plugin runs (this JVM has none),
 * the version check, and every class, field and method the bridge reaches in the real plugin jar
 * (when {@code HOMI_RAPIDS_JAR}, default
 * /var/tmp/homi-rapids/rapids-4-spark_2.13-26.08.1-cuda13.jar, exists; skipped otherwise, as in
 * CI).
 */
class RapidsBridgeTest {
  private static final String C2R = "org.apache.spark.sql.execution.ColumnarToRowExec";
  private static SparkSession spark;
  private static Path dir;

  @BeforeAll
  static void start() throws IOException {
    SparkSession.getActiveSession()
        .foreach(
            s -> {
              s.stop();
              return null;
            });
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("homi-rapids-bridge")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.extensions", "io.homi.spark.rapids.HomiRapidsExtension")
            // Whole-stage codegen would put an InputAdapter between ColumnarToRow and the scan;
            // RAPIDS
            // plans have none around HostColumnarToGpu.
            .config("spark.sql.codegen.wholeStage", "false")
            .getOrCreate();
    dir =
        Files.createDirectories(Path.of("target", "test-data"))
            .toAbsolutePath()
            .resolve("rapids-bridge");
    spark
        .range(0, 20_000, 1, 2)
        .selectExpr(
            "id",
            "CAST(id % 10 AS INT) AS k",
            "CAST(id AS DOUBLE) / 3 AS d",
            "IF(id % 5 = 0, NULL, concat('v', CAST(id % 7 AS STRING))) AS s",
            "date_add(DATE'2020-01-01', CAST(id % 300 AS INT)) AS dt",
            "TIMESTAMP'2020-01-01 00:00:00' + make_interval(0, 0, 0, 0, 0, 0, id) AS ts",
            "id % 3 = 0 AS b",
            "CAST(id % 2 AS INT) AS part")
        .write()
        .mode("overwrite")
        .partitionBy("part")
        .parquet(dir.resolve("flat").toString());
    spark
        .range(0, 1000)
        .selectExpr("id", "CAST(id AS DECIMAL(10,2)) AS m")
        .write()
        .mode("overwrite")
        .parquet(dir.resolve("decimal").toString());
  }

  @AfterAll
  static void stop() {
    if (spark != null) spark.stop();
    spark = null;
  }

  private static SparkPlan plan(Dataset<Row> df) {
    return df.queryExecution().executedPlan();
  }

  private static List<SparkPlan> nodes(SparkPlan p) {
    List<SparkPlan> out = new ArrayList<>();
    out.add(p);
    for (SparkPlan c : scala.jdk.javaapi.CollectionConverters.asJava(p.children()))
      out.addAll(nodes(c));
    return out;
  }

  private static HomiScan homiScan(SparkPlan p) {
    return nodes(p).stream()
        .filter(n -> n instanceof BatchScanExec b && b.scan() instanceof HomiScan)
        .map(n -> (HomiScan) ((BatchScanExec) n).scan())
        .findFirst()
        .orElseThrow();
  }

  @Test
  void extensionInstallsItsColumnarRuleAndAnswersStayTheSame() {
    assertThat(scala.jdk.javaapi.CollectionConverters.asJava(spark.sessionState().columnarRules()))
        .anyMatch(
            r ->
                r.getClass()
                    .getName()
                    .equals("io.homi.spark.rapids.HomiRapidsExtension$BridgeColumnarRule"));
    // No RAPIDS here: the rule finds no HostColumnarToGpu and the query runs as without the
    // extension.
    String flat = dir.resolve("flat").toString();
    assertThat(spark.read().format("homi").load(flat).orderBy("id").collectAsList())
        .isEqualTo(spark.read().parquet(flat).orderBy("id").collectAsList());
  }

  @Test
  void replacesTheTransitionAboveAHomiScanWithTheBridgedScan() {
    SparkPlan before =
        plan(spark.read().format("homi").load(dir.resolve("flat").toString()).where("k < 5"));
    assertThat(nodes(before)).anyMatch(n -> n.getClass().getName().equals(C2R));
    SparkPlan c2r =
        nodes(before).stream()
            .filter(n -> n.getClass().getName().equals(C2R))
            .findFirst()
            .orElseThrow();
    assertThat(RapidsBridgeRule.homiUnder(c2r, C2R)).as("homi scan under " + c2r).isNotNull();
    assertThat(RapidsBridge.unsupported(homiScan(before).readSchema())).isNull();
    assertThat(homiScan(before).options().rapidsBridge()).isTrue();
    SparkPlan after = RapidsBridgeRule.apply(before, C2R, false);
    assertThat(nodes(after)).noneMatch(n -> n.getClass().getName().equals(C2R));
    HomiScan bridged = homiScan(after);
    HomiScan original = homiScan(before);
    assertThat(bridged.isRapidsBridge()).isTrue();
    assertThat(original.isRapidsBridge()).isFalse(); // the input plan is not changed
    assertThat(bridged.readSchema()).isEqualTo(original.readSchema());
    assertThat(bridged.planInputPartitions())
        .isEqualTo(original.planInputPartitions()); // same tasks
    assertThat(bridged.description())
        .contains("output=gpu-or-host (RAPIDS bridge")
        .contains("RAPIDS bridge: GPU columns");
    BatchScanExec scanBefore =
        (BatchScanExec)
            nodes(before).stream().filter(n -> n instanceof BatchScanExec).findFirst().get();
    BatchScanExec scanAfter =
        (BatchScanExec)
            nodes(after).stream().filter(n -> n instanceof BatchScanExec).findFirst().get();
    assertThat(scanAfter.output()).isEqualTo(scanBefore.output());
    assertThat(scanAfter.runtimeFilters()).isEqualTo(scanBefore.runtimeFilters());
    // A bridged scan is not bridged again, and a transition put above it again goes (the rule may
    // run once per stage): the scan's batches are on the GPU already.
    assertThat(RapidsBridgeRule.rewrite(scanAfter)).isSameAs(scanAfter);
    SparkPlan again =
        before.withNewChildren(
            scala.jdk.javaapi.CollectionConverters.asScala(
                    List.of(
                        nodes(before).stream()
                            .filter(n -> n.getClass().getName().equals(C2R))
                            .findFirst()
                            .get()
                            .withNewChildren(
                                scala.jdk.javaapi.CollectionConverters.asScala(
                                        List.<SparkPlan>of(scanAfter))
                                    .toSeq())))
                .toSeq());
    SparkPlan twice = RapidsBridgeRule.apply(again, C2R, false);
    assertThat(nodes(twice)).noneMatch(n -> n.getClass().getName().equals(C2R)).contains(scanAfter);
  }

  @Test
  void leavesScansItDoesNotTakeOnTheArrowPath() {
    SparkPlan decimal = plan(spark.read().format("homi").load(dir.resolve("decimal").toString()));
    assertThat(RapidsBridgeRule.apply(decimal, C2R, false)).isSameAs(decimal);
    SparkPlan optedOut =
        plan(
            spark
                .read()
                .format("homi")
                .option("homi.rapidsBridge", "false")
                .load(dir.resolve("flat").toString()));
    assertThat(RapidsBridgeRule.apply(optedOut, C2R, false)).isSameAs(optedOut);
    SparkPlan parquet = plan(spark.read().parquet(dir.resolve("flat").toString()));
    assertThat(RapidsBridgeRule.apply(parquet, C2R, false)).isSameAs(parquet);
    SparkPlan other = plan(spark.read().format("homi").load(dir.resolve("flat").toString()));
    assertThat(RapidsBridgeRule.apply(other, "com.example.NoSuchTransition", false))
        .isSameAs(other);
  }

  @Test
  void withoutThePluginTheRuleFallsBackAndSaysWhy() {
    String why = RapidsBridge.unavailableReason();
    assertThat(why)
        .contains("RAPIDS bridge unavailable")
        .contains(RapidsBridge.SHIM_LOADER)
        .contains("homi scans stay on homi.output=arrow");
    assertThat(RapidsBridge.get()).isNull();
    SparkPlan p = plan(spark.read().format("homi").load(dir.resolve("flat").toString()));
    assertThat(RapidsBridgeRule.apply(p, C2R, true)).isSameAs(p);
  }

  @Test
  void checksThePluginVersionFirst() throws IOException {
    Path old = Files.createDirectories(dir.resolve("plugin-26.06"));
    Files.writeString(old.resolve(RapidsBridge.VERSION_RESOURCE), "version=26.06.0\n");
    try (URLClassLoader l = new URLClassLoader(new URL[] {old.toUri().toURL()}, null)) {
      assertThat(RapidsBridge.pluginVersion(l)).isEqualTo("26.06.0");
      assertThatThrownBy(() -> RapidsBridge.resolve(l))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("26.06.0")
          .hasMessageContaining("26.08.x");
    }
    Path right = Files.createDirectories(dir.resolve("plugin-26.08-no-classes"));
    Files.writeString(right.resolve(RapidsBridge.VERSION_RESOURCE), "version=26.08.1\n");
    try (URLClassLoader l = new URLClassLoader(new URL[] {right.toUri().toURL()}, null)) {
      assertThatThrownBy(() -> RapidsBridge.resolve(l))
          .isInstanceOf(ClassNotFoundException.class)
          .hasMessageContaining("ai.rapids.cudf");
    }
    try (URLClassLoader l = new URLClassLoader(new URL[0], null)) {
      assertThatThrownBy(() -> RapidsBridge.resolve(l))
          .hasMessageContaining(RapidsBridge.VERSION_RESOURCE);
    }
  }

  @Test
  void takesFlatTypesOnly() {
    StructType flat =
        new StructType()
            .add("a", DataTypes.IntegerType)
            .add("b", DataTypes.LongType)
            .add("c", DataTypes.DoubleType)
            .add("d", DataTypes.FloatType)
            .add("e", DataTypes.StringType)
            .add("f", DataTypes.DateType)
            .add("g", DataTypes.TimestampType)
            .add("h", DataTypes.BooleanType)
            .add("i", DataTypes.ByteType)
            .add("j", DataTypes.ShortType);
    assertThat(RapidsBridge.unsupported(flat)).isNull();
    assertThat(
            RapidsBridge.unsupported(new StructType().add("m", DataTypes.createDecimalType(10, 2))))
        .contains("'m'");
    assertThat(RapidsBridge.unsupported(new StructType().add("n", DataTypes.TimestampNTZType)))
        .contains("'n'");
    assertThat(RapidsBridge.unsupported(new StructType().add("o", DataTypes.BinaryType)))
        .contains("'o'");
    assertThat(
            RapidsBridge.unsupported(
                new StructType().add("p", DataTypes.createArrayType(DataTypes.IntegerType))))
        .contains("'p'");
    assertThat(RapidsBridge.maskBytes(1)).isEqualTo(64);
    assertThat(RapidsBridge.maskBytes(512)).isEqualTo(64);
    assertThat(RapidsBridge.maskBytes(513)).isEqualTo(128);
  }

  /**
   * The real jar: its per-Spark folders as RAPIDS' ShimLoader lays them out (spark-shared/,
   * spark411/).
   */
  @Test
  void resolvesEveryHandleAgainstTheRealPluginJar() throws Throwable {
    String env = System.getenv("HOMI_RAPIDS_JAR");
    Path jar =
        Path.of(env != null ? env : "/var/tmp/homi-rapids/rapids-4-spark_2.13-26.08.1-cuda13.jar");
    Assumptions.assumeTrue(
        Files.isRegularFile(jar), "no RAPIDS plugin jar at " + jar + " (set HOMI_RAPIDS_JAR)");
    String base = "jar:" + jar.toUri() + "!/";
    URL[] urls = {
      jar.toUri().toURL(), new URL(base + "spark-shared/"), new URL(base + "spark411/")
    };
    try (URLClassLoader l = new URLClassLoader(urls, RapidsBridgeTest.class.getClassLoader())) {
      RapidsBridge b = RapidsBridge.resolve(l);
      assertThat(b.version()).isEqualTo("26.08.1");
      // The transition the rule replaces has the name the rule matches.
      assertThat(Class.forName(RapidsBridgeRule.HOST_COLUMNAR_TO_GPU, false, l).getSimpleName())
          .isEqualTo("HostColumnarToGpu");
      assertThat(
              Class.forName(RapidsBridge.SHIM_LOADER, false, l)
                  .getMethod("getShimClassLoader")
                  .getReturnType())
          .isEqualTo(ClassLoader.class);
    }
  }
}
