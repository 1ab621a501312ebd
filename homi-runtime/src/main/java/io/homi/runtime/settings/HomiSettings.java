package io.homi.runtime.settings;

import static io.homi.runtime.settings.Setting.Scope.JVM;
import static io.homi.runtime.settings.Setting.Scope.SCAN;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every HOMI setting, declared once (Comet's {@code CometConf} is the model). The README's options
 * table and docs/settings.md are generated from this list (SettingsDocsTest fails when they
 * differ).
 *
 * <p>Adding a setting is one declaration here: {@code public static final Setting<T> NAME =
 * add(Setting.kind("homi.key", scope, default, ..., "what it does"));} and a read of {@code
 * NAME.from(map)} (per scan) or {@code JvmSettings.get().get(NAME)} (per JVM) where it is used;
 * then regenerate the docs (see SettingsDocsTest).
 */
public final class HomiSettings {
  private static final List<Setting<?>> ALL = new ArrayList<>();

  // ---- Per scan: read options, spark.homi.* session conf, -Dhomi.* on the driver ----

  public static final Setting<String> PATH =
      add(
          Setting.choice(
              "homi.path",
              SCAN,
              "auto",
              List.of("auto", "os", "direct", "device", "passthrough", "vf", "gpu"),
              "I/O path policy. `auto`: what the page cache holds is copied on the OS path (found with "
                  + "`mincore` on a mapping of the file, which starts no disk I/O); a cold remainder of at least "
                  + "`homi.directMinBytes` goes to NVMe passthrough where the file's grant allows it and the namespace's "
                  + "`/dev/ngXnY` opens, else to the device path where the block device can be opened, else to "
                  + "O_DIRECT on the file. `os`: buffered `pread` only. `direct`: "
                  + "O_DIRECT only. `device`: reads by LBA from the block device through the file's grant only "
                  + "(fails naming the file where the device cannot be opened). `passthrough`: NVMe Read commands on "
                  + "the controller through the file's grant and `/dev/ngXnY` only (fails naming the file and the "
                  + "reason elsewhere). `vf`: NVMe Read commands on an SR-IOV virtual function of the file's "
                  + "controller, provisioned by the control plane and driven from user space through VFIO, "
                  + "through the file's grant only (needs root, SR-IOV, an IOMMU and vfio-pci; fails naming the "
                  + "file and the reason elsewhere; `auto` never takes it). A forced path applies to host destinations; GPU memory destinations "
                  + "(`homi.output=gpu`) are read by the mediator's GPU path on the same queue and grants. "
                  + "`gpu` lands bytes in GPU memory: the "
                  + "Spark reader takes that path by itself for `homi.output=gpu`, and refuses it as a `homi.path` "
                  + "value"));
  public static final Setting<Integer> QUEUE_DEPTH =
      add(
          Setting.integer(
              "homi.queueDepth",
              SCAN,
              64,
              2,
              4096,
              "entries of each reader's submission/completion queue (commands in flight)"));
  public static final Setting<Long> MAX_COMMAND_BYTES =
      add(
          Setting.bytes(
                  "homi.maxCommandBytes",
                  SCAN,
                  4L << 20,
                  4096,
                  64L << 20,
                  "bytes per NVMe read command, at most (also capped by the device's MDTS); a longer "
                      + "read is split into several commands, pipelined on the reader's queue")
              .withDeprecatedKey("homi.taskSize"));
  public static final Setting<Long> COALESCE_GAP =
      add(
          Setting.bytes(
              "homi.coalesceGap",
              SCAN,
              1L << 20,
              0,
              1L << 30,
              "column-chunk (and, with page-index pruning, page) ranges closer than this are fetched by one "
                  + "read; `0` reads only the pages selected"));
  public static final Setting<Long> DIRECT_MIN_BYTES =
      add(
          Setting.bytes(
              "homi.directMinBytes",
              SCAN,
              256L << 10,
              0,
              Long.MAX_VALUE,
              "smallest cold remainder `auto` sends to O_DIRECT / the device"));
  public static final Setting<Integer> BATCH_ROWS =
      add(Setting.integer("homi.batchRows", SCAN, 4096, 1, 1 << 24, "rows per `ColumnarBatch`"));
  public static final Setting<Integer> PREFETCH_ROW_GROUPS =
      add(
          Setting.integer(
              "homi.prefetchRowGroups",
              SCAN,
              1,
              0,
              8,
              "row groups whose projected column chunks a task fetches (on a `homi-prefetch` thread) while it "
                  + "decodes the current one; also the next file split's first row group once the current "
                  + "split has nothing left to fetch. Memory: at most this many row groups' projected chunks per "
                  + "task beyond the one being decoded. `0`: fetch each row group when it is needed. Time still "
                  + "spent waiting for bytes is `homiIoWaitTimeMs`"));
  public static final Setting<Long> MAX_PAGE_BYTES =
      add(
          Setting.bytes(
              "homi.maxPageBytes",
              SCAN,
              256L << 20,
              1024,
              Integer.MAX_VALUE - 64,
              "largest page a file may declare; larger is reported as corrupt (bounds memory)"));
  public static final Setting<Boolean> LAZY_DICTIONARY =
      add(
          Setting.bool(
              "homi.lazyDictionary",
              SCAN,
              true,
              "batches of flat dictionary-encoded columns reach Spark as dictionary ids plus the column "
                  + "chunk's dictionary (decoded once), read on get, as Spark's own reader does; a batch that "
                  + "reaches a page without a dictionary (PLAIN fallback) is materialized. `false`: every value is "
                  + "gathered into Arrow vectors. "
                  + "[Details](docs/decoder.md#lazy-dictionary-batches-ids--dictionary-decoded-on-get)"));
  public static final Setting<Boolean> VERIFY_CHECKSUMS =
      add(
          Setting.bool(
              "homi.verifyChecksums",
              SCAN,
              false,
              "check each page's CRC32 (where the writer stored one; Spark's writer does) before decoding it; "
                  + "a mismatch fails naming the file, column and page offset"));
  public static final Setting<String> OUTPUT =
      add(
          Setting.choice(
              "homi.output",
              SCAN,
              "host",
              List.of("host", "arrow", "gpu", "gpu-or-host"),
              "`host`: Arrow vectors in host memory (CPU decoder). `arrow`: every column of every batch is Spark's "
                  + "`ArrowColumnVector` over buffers of that batch alone, partition values and missing columns included, "
                  + "dictionaries materialized, 262144 rows a batch unless `homi.batchRows` is set: what the RAPIDS "
                  + "Accelerator copies to the GPU in whole buffers; the default when `spark.plugins` lists "
                  + "`com.nvidia.spark.SQLPlugin`, where `gpu` and `gpu-or-host` read as `arrow` too and say so "
                  + "([With the RAPIDS Accelerator](#with-the-rapids-accelerator)). `gpu`: one batch per row group whose file "
                  + "columns are `DeviceColumnVector`s in GPU memory (Arrow device buffers, C Device Data Interface "
                  + "export; copied to host for CPU reads, see `homi.gpuHostCopy`); row groups the GPU decoder refuses (unannotated "
                  + "FIXED_LEN_BYTE_ARRAY, BYTE_ARRAY decimals, FIXED_LEN_BYTE_ARRAY decimals over 16 bytes or "
                  + "DELTA_BYTE_ARRAY-encoded, nested, BROTLI) are decoded on the CPU and counted; fails naming the "
                  + "reason without a usable GPU. `gpu-or-host`: as `gpu` where a GPU is usable, host output "
                  + "otherwise (said in the scan's INFO line and metrics). "
                  + "[Details](docs/connector.md#gpu-output-homioutput)"));
  public static final Setting<String> GPU_HOST_COPY =
      add(
          Setting.choice(
              "homi.gpuHostCopy",
              SCAN,
              "eager",
              List.of("eager", "lazy", "pageable"),
              "when `homi.output=gpu` copies a row group's columns to host memory: `eager` right after the decode, all "
                  + "columns into one pinned buffer at once, asynchronously (for CPU plans, which read every column they "
                  + "project); `lazy` a column only when something first reads a value of it on the CPU (for consumers that "
                  + "use the device buffers); `pageable` a column at its first CPU read, synchronously into ordinary host "
                  + "memory (no pinned memory: the behaviour before pinned copies, kept as a benchmark anchor)"));
  public static final Setting<Boolean> RAPIDS_BRIDGE =
      add(
          Setting.bool(
              "homi.rapidsBridge",
              SCAN,
              true,
              "only with `spark.sql.extensions=io.homi.spark.rapids.HomiRapidsExtension` and the RAPIDS Accelerator: "
                  + "the scan decodes on the GPU and hands its columns to RAPIDS as GPU columns (one device-to-device "
                  + "copy into RAPIDS' memory pool) instead of `HostColumnarToGpu` over `arrow` batches; `false` keeps "
                  + "this scan on the `arrow` path. Experimental (run once on an H100 with RAPIDS 26.08.1). "
                  + "[Details](docs/rapids-bridge.md)"));
  public static final Setting<Boolean> READ_PRUNING =
      add(
          Setting.bool(
              "homi.readPruning",
              SCAN,
              true,
              "dictionary and page-index pruning of each row group when a task reads it (row groups the "
                  + "min/max statistics rule out are skipped either way); `false` reads every page, "
                  + "for A/B measurements"));

  public static final Setting<String> AGGREGATE_PUSHDOWN =
      add(
          Setting.choice(
              "homi.aggregatePushdown",
              SCAN,
              "auto",
              List.of("auto", "on", "off"),
              "which `COUNT`/`MIN`/`MAX` aggregates (no filter on data columns, `GROUP BY` partition columns "
                  + "only) the scan answers per file from its footer instead of Spark aggregating rows. `auto`: only "
                  + "those a footer can answer exactly: `COUNT(*)`, `COUNT` of a top-level column, `MIN`/`MAX` of "
                  + "boolean, integral and date columns and of partition columns (not float/double: writers leave NaN "
                  + "out of the bounds). `on`: Spark's own set for its Parquet scan (`auto`'s plus float/double "
                  + "`MIN`/`MAX`). `off`: none. Under `auto` and `on` a file whose statistics cannot answer exactly (none "
                  + "written, a missing null count, unsigned, a date before 1582-10-15, byte-array statistics from "
                  + "parquet-mr before 1.8.0 (PARQUET-251), float/double bounds) is read for that column instead, so "
                  + "the answer is always the one from the rows. When neither this option nor `spark.homi.aggregatePushdown` "
                  + "is set, an explicitly set `spark.sql.parquet.aggregatePushdown` decides (`true` = `on`, `false` = "
                  + "`off`). [Details](docs/connector.md#aggregate-pushdown)"));

  public static final Setting<String> WRITE_LAYOUT =
      add(
          Setting.choice(
              "homi.writeLayout",
              SCAN,
              "default",
              List.of("default", "direct"),
              "a write option (`df.write.format(\"homi\").option(..)`, or `spark.homi.writeLayout`): the layout "
                  + "Spark's Parquet writer gives the files. `default`: Spark's own. `direct`: row groups as large as "
                  + "one read split (`spark.sql.files.maxPartitionBytes`, 128 MiB unless changed) so each task fetches "
                  + "whole row groups as few large ranges, and row groups padded to the file system's block (at most "
                  + "8 MiB of padding); explicit `parquet.block.size` / `parquet.writer.max-padding` options win. "
                  + "parquet-java pads only on `hdfs`/`webhdfs` and never aligns column chunks, and Spark's committer "
                  + "leaves no way to preallocate, so on a local file system `direct` changes only the row-group size. "
                  + "Measured: fewer row groups sped up every reader alike (Spark's too) and O_DIRECT reads no more "
                  + "than OS reads, so off by default. "
                  + "[Details](docs/connector.md#write-layout-homiwritelayout)"));

  // ---- Per JVM: spark.homi.* Spark conf, -Dhomi.*; fixed when the runtime starts ----

  public static final Setting<Integer> IO_THREADS =
      add(
          Setting.integer(
                  "homi.ioThreads",
                  JVM,
                  64,
                  1,
                  4096,
                  "the mediator's I/O threads: blocking reads in flight across all queues (at least one queue's "
                      + "default depth, so that O_DIRECT can fill the device)")
              .withDefault(
                  Math.max(64, 2 * Runtime.getRuntime().availableProcessors()),
                  "64 or 2 x cores, the larger"));
  public static final Setting<Integer> SERVICE_THREADS =
      add(
          Setting.integer(
              "homi.serviceThreads",
              JVM,
              1,
              1,
              256,
              "mediator service threads; queues are sharded over them (more lets many GPU-initiated queues be "
                  + "fetched in parallel; each spins while busy)"));
  public static final Setting<Boolean> URING =
      add(
          Setting.bool(
              "homi.uring",
              JVM,
              true,
              "O_DIRECT reads kept in flight by io_uring where the kernel allows it; `false`: on the I/O "
                  + "threads (A/B measurements)"));
  public static final Setting<Long> STALL_TIMEOUT_MS =
      add(
          Setting.number(
              "homi.stallTimeoutMs",
              JVM,
              120_000L,
              1,
              Long.MAX_VALUE / 1_000_000,
              "milliseconds",
              "longest a reader waits without a completion before its read fails naming the file and offset"));
  public static final Setting<Integer> FOOTER_CACHE_FILES =
      add(
          Setting.integer(
              "homi.footerCacheFiles",
              JVM,
              1024,
              0,
              Integer.MAX_VALUE,
              "parsed footers kept per JVM (least recently used out first), so that a file "
                  + "planned on the driver and read by many tasks is parsed once; `0` turns the cache off"));
  public static final Setting<Long> FOOTER_CACHE_CHUNKS =
      add(
          Setting.number(
              "homi.footerCacheChunks",
              JVM,
              1L << 18,
              0,
              Long.MAX_VALUE,
              "row groups x columns",
              "bound on the footer cache's size: row groups x columns over all cached footers"));
  public static final Setting<Integer> GPU =
      add(
          Setting.integer(
              "homi.gpu",
              JVM,
              0,
              0,
              1023,
              "ordinal of the CUDA device this JVM's GPU probe, GPU path and GPU decoder use"));
  public static final Setting<Integer> GPU_WORKERS =
      add(
          Setting.integer(
              "homi.gpuWorkers",
              JVM,
              8,
              1,
              256,
              "workers of the mediator's GPU path, each with a pinned double buffer of 2 x 4 MiB"));
  public static final Setting<Long> GPU_MEMORY_LIMIT =
      add(
          Setting.bytes(
              "homi.gpu.memoryLimit",
              JVM,
              0,
              0,
              Long.MAX_VALUE,
              "most bytes of device memory HOMI's decoder and GPU path hold at once in this JVM; past it an allocation fails "
                  + "as a full card does (CUDA_ERROR_OUT_OF_MEMORY: the task fails, or under `gpu-or-host` the row group is "
                  + "decoded on the CPU), so a process can leave room on a shared GPU; `0` = no limit but the card's"));
  public static final Setting<Integer> GPU_DECODERS =
      add(
          Setting.integer(
              "homi.gpuDecoders",
              JVM,
              2,
              1,
              64,
              "row groups decoded on the GPU at once in this JVM (`homi.output=gpu`), each decoder with its own staging "
                  + "(device and pinned memory the size of a row group's projected chunks), so that one decoder's chunk reads "
                  + "and page table overlap another's kernels"));
  public static final Setting<Long> GPU_PINNED_HOST_BYTES =
      add(
          Setting.bytes(
              "homi.gpuPinnedHostBytes",
              JVM,
              4L << 30,
              0,
              Long.MAX_VALUE,
              "most bytes of pinned (page-locked) host memory this JVM holds for the host copies of GPU row "
                  + "groups (`homi.output=gpu` batches read by a CPU plan), in use and kept for reuse; a row group that does "
                  + "not fit is copied column by column into ordinary host memory instead (slower); `0` = never pinned"));
  public static final Setting<String> GPU_ZSTD =
      add(
          Setting.choice(
              "homi.gpuZstd",
              JVM,
              "off",
              List.of("off", "thread", "warp"),
              "who decompresses the ZSTD pages of GPU decodes (`homi.output=gpu`, `gpucheck-decode`): `off` the CPU "
                  + "(zstd-jni, then uploaded); `thread` / `warp` the GPU, by HOMI's own RFC 8878 decoder, one thread "
                  + "(`homi_dec_zstd`) or one warp (`homi_dec_zstd_warp`: copies over 32 lanes, Huffman streams over 4) "
                  + "per page. `off` until proved on a device. [Details](docs/gpu-decode.md#zstd-on-the-gpu)"));
  public static final Setting<String> LIBCUDA =
      add(
          Setting.text(
              "homi.libcuda",
              JVM,
              null,
              "`libcuda.so`, else `libcuda.so.1`",
              "the CUDA driver library to load (a name or an absolute path)"));
  public static final Setting<String> LIBCUFILE =
      add(
          Setting.text(
              "homi.libcufile",
              JVM,
              "cufile",
              "`cufile`, else `libcufile.so.0`",
              "the cuFile (GPUDirect Storage) library to load (a name or an absolute path)"));

  private HomiSettings() {}

  private static <T> Setting<T> add(Setting<T> s) {
    for (Setting<?> o : ALL) {
      if (o.named(s.key()) || (s.deprecatedKey() != null && o.named(s.deprecatedKey())))
        throw new IllegalStateException("setting declared twice: " + s.key());
    }
    ALL.add(s);
    return s;
  }

  /** Every setting, in declaration order. */
  public static List<Setting<?>> all() {
    return Collections.unmodifiableList(ALL);
  }

  /** The setting with this key or deprecated key (case-insensitive), or null. */
  public static Setting<?> byKey(String key) {
    for (Setting<?> s : ALL) {
      if (s.named(key)) return s;
    }
    return null;
  }

  /**
   * The per-scan values given in {@code layers}, highest precedence first (e.g. read options, then
   * session conf, then -D): for each per-scan key the first layer holding it wins. Each value is
   * checked, so a bad one fails here with its key. Keys of {@code strict} layers (read options)
   * must be per-scan settings: an unknown {@code homi.*} key or a per-JVM one fails, saying so;
   * other layers (a Spark conf also holds per-JVM keys) are not checked for that.
   */
  public static Map<String, String> resolveScan(
      List<Map<String, String>> layers, int strictLayers) {
    for (int i = 0; i < strictLayers && i < layers.size(); i++) {
      for (String k : layers.get(i).keySet()) {
        if (!k.toLowerCase(Locale.ROOT).startsWith("homi.")) continue;
        Setting<?> s = byKey(k);
        if (s == null) {
          throw new IllegalArgumentException(
              "unknown option "
                  + k
                  + "; the homi.* options are "
                  + String.join(
                      ", ",
                      ALL.stream().filter(x -> x.scope() == SCAN).map(Setting::key).toList()));
        }
        if (s.scope() == JVM) {
          throw new IllegalArgumentException(
              s.key()
                  + " is a per-JVM setting, not a read option: set "
                  + s.sparkKey()
                  + " in the Spark conf (or -D"
                  + s.key()
                  + " on the JVM)");
        }
      }
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Setting<?> s : ALL) {
      if (s.scope() != SCAN) continue;
      for (Map<String, String> layer : layers) {
        String v = s.rawValue(layer);
        if (v != null) {
          s.parse(v); // fails naming the key
          out.put(s.key(), v);
          break;
        }
      }
    }
    return out;
  }

  /**
   * The {@code homi.*} entries of a Spark conf: {@code spark.homi.x} becomes {@code homi.x}; other
   * keys are left out.
   */
  public static Map<String, String> fromSparkConf(Map<String, String> conf) {
    Map<String, String> out = new LinkedHashMap<>();
    conf.forEach(
        (k, v) -> {
          if (k.regionMatches(true, 0, "spark.homi.", 0, "spark.homi.".length()))
            out.put(k.substring("spark.".length()), v);
        });
    return out;
  }

  /** This JVM's {@code -Dhomi.*} system properties. */
  public static Map<String, String> systemProperties() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String k : System.getProperties().stringPropertyNames()) {
      if (k.startsWith("homi.")) out.put(k, System.getProperty(k));
    }
    return out;
  }
}
