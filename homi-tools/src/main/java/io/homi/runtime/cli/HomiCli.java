package io.homi.runtime.cli;

import java.util.Arrays;

/**
 * {@code bin/homi}: the runtime's command line. Each subcommand is a class with one job; this class
 * only dispatches and prints usage.
 */
public final class HomiCli {
  private HomiCli() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
      usage();
      System.exit(args.length == 0 ? 2 : 0);
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    int rc =
        switch (args[0]) {
          case "inspect" -> InspectCommand.run(rest);
          case "bench" -> BenchIoCommand.run(rest);
          case "doctor" -> DoctorCommand.run(rest);
          case "gpucheck" -> GpuCheckCommand.run(rest);
          case "gpucheck-decode" -> GpuCheckDecodeCommand.run(rest);
          default -> {
            System.err.println("unknown command: " + args[0]);
            usage();
            yield 2;
          }
        };
    System.exit(rc);
  }

  private static void usage() {
    System.err.println(
        """
        usage: homi <command> [args]
          inspect <file> [--json]   identity, device, extents (LBAs, eligible paths), Parquet chunk layout
          bench io <file> [--bs 1m] [--qd 32] [--path os|direct|auto] [--cold|--warm]   GB/s and IOPS per path next to fio
          doctor [PATH] [--json]    what this machine can do (GPU, cuFile, O_DIRECT, FIEMAP, paths) and why not
          gpucheck io [--file F] [--size 2g] [--reps 3] [--workers 8]   GPU data path check and timings
          gpucheck-decode DIR [--reps 3] [--threads 16]   GPU Parquet decode: equality with the CPU decoder, GB/s, vs pyarrow
          gpucheck-decode --anchor --per-file DIR --e2e DIR [--reps 5] [--cudf-jar JAR]   GB/s next to libcudf (cuDF Java)
        """);
  }
}
