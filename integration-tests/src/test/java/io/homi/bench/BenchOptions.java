package io.homi.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The harness's command line, parsed and checked once. */
record BenchOptions(
    double sf,
    int reps,
    int warmup,
    List<String> codecs,
    boolean doubleDecimals,
    long rowGroupBytes,
    int files,
    long typeRows,
    String cold,
    int coldReps,
    List<String> coldQueries,
    List<String> queries,
    List<String> tables,
    List<Reader> readers,
    Path data,
    Path out,
    boolean regen,
    String master,
    boolean generateOnly,
    List<String> layouts) {

  static final String USAGE =
      """
      usage: homi-bench spark [options]      run the benchmark (generates missing data first)
             homi-bench generate [options]   only generate the data
      options (defaults in brackets):
        --sf X               TPC-H scale factor; lineitem rows = round(6,001,215 x SF) [0.1]
        --reps N             timed runs per reader and query, readers alternating [5]
        --warmup N           untimed runs per reader and query first [1]
        --codecs a,b         lineitem codecs: snappy, zstd, none [snappy,zstd]
        --double-decimals    lineitem's four DECIMAL(15,2) columns as DOUBLE (what HOMI decodes today)
        --row-group-mb N     Parquet row group size (parquet.block.size) [128]
        --files N            files per table (one per writer task) [max(2, ceil(4 x SF))]
        --type-rows N        rows of each single-type table [15 x 2^20 x SF]
        --cold M             page-cache eviction for cold runs: fadvise (posix_fadvise DONTNEED on
                             the table's files), drop_caches (echo 1 > /proc/sys/vm/drop_caches),
                             none [fadvise]
        --cold-reps N        cold runs per reader and query [min(reps, 3)]
        --cold-queries a,b   which queries also run cold [sum_all,q1,q6]
        --queries a,b        only these queries (count, sum_all, q1, q6, filter, type_<name>) [all]
        --tables a,b         lineitem, types [lineitem,types]
        --readers a,b        homi, v1, v2, homi-eager (homi.lazyDictionary=false), homi-gpu
                             (homi.output=gpu: GPU decode, host use through pinned copies), homi-gpu-pageable
                             (the same, homi.gpuHostCopy=pageable: copies per column, ordinary memory) [homi,v1,v2]
        --data DIR           where generated tables live (reused when present) [target/bench-data]
        --out DIR            results directory [target/bench-results/<time>]
        --regen              regenerate the data even when present
        --master M           Spark master [local[*]]
        --layouts a,b        lineitem write layouts: default (Spark's Parquet writer, --row-group-mb),
                             direct (format("homi") with homi.writeLayout=direct, which sizes row
                             groups itself; tables named lineitem-<codec>-direct) [default]
      """;

  static BenchOptions parse(String[] args, Path base) {
    if (args.length == 0 || !(args[0].equals("spark") || args[0].equals("generate"))) {
      throw new IllegalArgumentException("first argument must be 'spark' or 'generate'\n" + USAGE);
    }
    double sf = 0.1;
    int reps = 5, warmup = 1, files = -1, coldReps = -1;
    long rg = 128L << 20, typeRows = -1;
    List<String> codecs = List.of("snappy", "zstd");
    boolean dbl = false, regen = false;
    String cold = "fadvise", master = "local[*]";
    List<String> coldQueries = List.of("sum_all", "q1", "q6");
    List<String> queries = List.of();
    List<String> tables = List.of("lineitem", "types");
    List<Reader> readers = List.of(Reader.HOMI, Reader.V1, Reader.V2);
    List<String> layouts = List.of("default");
    Path data = base.resolve("bench-data");
    Path out = null;
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--double-decimals" -> dbl = true;
        case "--regen" -> regen = true;
        case "-h", "--help" -> throw new IllegalArgumentException(USAGE);
        default -> {
          if (i + 1 >= args.length)
            throw new IllegalArgumentException("missing value for " + a + "\n" + USAGE);
          String v = args[++i];
          switch (a) {
            case "--sf" -> sf = Double.parseDouble(v);
            case "--reps" -> reps = Integer.parseInt(v);
            case "--warmup" -> warmup = Integer.parseInt(v);
            case "--codecs" -> codecs = list(v);
            case "--row-group-mb" -> rg = Math.round(Double.parseDouble(v) * (1 << 20));
            case "--files" -> files = Integer.parseInt(v);
            case "--type-rows" -> typeRows = Long.parseLong(v);
            case "--cold" -> cold = v;
            case "--cold-reps" -> coldReps = Integer.parseInt(v);
            case "--cold-queries" -> coldQueries = list(v);
            case "--queries" -> queries = list(v);
            case "--tables" -> tables = list(v);
            case "--readers" -> readers = list(v).stream().map(Reader::parse).toList();
            case "--data" -> data = Path.of(v);
            case "--out" -> out = Path.of(v);
            case "--master" -> master = v;
            case "--layouts" -> layouts = list(v);
            default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
          }
        }
      }
    }
    for (String l : layouts) {
      if (!List.of("default", "direct").contains(l))
        throw new IllegalArgumentException("--layouts: unknown layout " + l + " (default, direct)");
    }
    if (sf <= 0) throw new IllegalArgumentException("--sf must be > 0");
    if (reps < 1 || warmup < 0)
      throw new IllegalArgumentException("--reps must be >= 1 and --warmup >= 0");
    for (String c : codecs) {
      if (!List.of("snappy", "zstd", "none", "uncompressed", "gzip", "lz4_raw").contains(c)) {
        throw new IllegalArgumentException("--codecs: unknown codec " + c);
      }
    }
    if (!List.of("fadvise", "drop_caches", "none").contains(cold))
      throw new IllegalArgumentException("--cold must be fadvise, drop_caches or none");
    if (files < 0) files = (int) Math.max(2, Math.ceil(4 * sf));
    if (typeRows < 0) typeRows = Math.max(1, Math.round(TypeTables.SF1_ROWS * sf));
    if (coldReps < 0) coldReps = Math.min(reps, 3);
    if (cold.equals("none")) coldReps = 0;
    if (out == null) {
      out =
          base.resolve("bench-results")
              .resolve(
                  String.format(
                      Locale.ROOT, "sf%s-%tY%<tm%<td-%<tH%<tM%<tS", fmt(sf), new java.util.Date()));
    }
    return new BenchOptions(
        sf,
        reps,
        warmup,
        codecs,
        dbl,
        rg,
        files,
        typeRows,
        cold,
        coldReps,
        coldQueries,
        queries,
        tables,
        readers,
        data.toAbsolutePath(),
        out.toAbsolutePath(),
        regen,
        master,
        args[0].equals("generate"),
        layouts);
  }

  boolean wants(String query) {
    return queries.isEmpty() || queries.contains(query);
  }

  static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private static List<String> list(String v) {
    List<String> l = new ArrayList<>();
    for (String s : v.split(",")) if (!s.isBlank()) l.add(s.trim().toLowerCase(Locale.ROOT));
    return l;
  }

  String describe() {
    return "sf="
        + fmt(sf)
        + " reps="
        + reps
        + " warmup="
        + warmup
        + " codecs="
        + codecs
        + " doubleDecimals="
        + doubleDecimals
        + " rowGroup="
        + (rowGroupBytes >> 20)
        + "MiB files="
        + files
        + " typeRows="
        + typeRows
        + " cold="
        + cold
        + " coldReps="
        + coldReps
        + " coldQueries="
        + coldQueries
        + " readers="
        + readers
        + " master="
        + master
        + (queries.isEmpty() ? "" : " queries=" + queries)
        + " tables="
        + tables
        + (layouts.equals(List.of("default")) ? "" : " layouts=" + layouts);
  }

  @Override
  public String toString() {
    return describe() + " args=" + Arrays.asList(data, out);
  }
}
