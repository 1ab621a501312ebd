package io.homi.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The machine and software a run measured on, and the load average before and after it (the machine
 * may be shared: a load above the core count during the run means contention).
 */
final class Env {
  final Map<String, String> facts = new LinkedHashMap<>();

  static Env capture(Path dataDir) {
    Env e = new Env();
    e.facts.put("started", Instant.now().toString());
    e.facts.put("nproc", sh("nproc"));
    e.facts.put("cpu", sh("lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1"));
    e.facts.put("memory", sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo"));
    e.facts.put(
        "disk",
        sh(
            "d=$(df --output=source "
                + quote(dataDir.toString())
                + " | tail -1); "
                + "b=$(lsblk -no PKNAME \"$d\" 2>/dev/null | head -1); b=${b:-$(basename \"$d\")}; "
                + "echo \"$d ($(cat /sys/block/$b/device/vendor 2>/dev/null | xargs) $(cat /sys/block/$b/device/model 2>/dev/null | xargs)"
                + " rotational=$(cat /sys/block/$b/queue/rotational 2>/dev/null) driver=$(basename $(readlink /sys/block/$b/device/driver 2>/dev/null) 2>/dev/null))\""));
    e.facts.put("fs", sh("df --output=fstype " + quote(dataDir.toString()) + " | tail -1"));
    e.facts.put("kernel", sh("uname -r"));
    e.facts.put(
        "java",
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    e.facts.put("spark", org.apache.spark.package$.MODULE$.SPARK_VERSION());
    e.facts.put(
        "homi commit",
        sh("git rev-parse --short HEAD 2>/dev/null && git log -1 --format=%s | cut -c1-60"));
    e.facts.put("heap", (Runtime.getRuntime().maxMemory() >> 20) + " MiB max");
    e.facts.put("load before", loadavg());
    return e;
  }

  void finish(double seconds) {
    facts.put("load after", loadavg());
    facts.put("duration", String.format(java.util.Locale.ROOT, "%.0f s", seconds));
  }

  String summary() {
    return facts.get("nproc")
        + " vCPU "
        + facts.get("cpu")
        + ", "
        + facts.get("memory")
        + ", "
        + facts.get("disk")
        + ", load "
        + facts.get("load before");
  }

  static String loadavg() {
    try {
      String[] p = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return p[0] + " " + p[1] + " " + p[2];
    } catch (IOException e) {
      return "?";
    }
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static String sh(String cmd) {
    try {
      Process p = new ProcessBuilder(List.of("bash", "-c", cmd)).redirectErrorStream(true).start();
      String out =
          new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
              .trim()
              .replace('\n', ' ');
      p.waitFor();
      return out.isEmpty() ? "?" : out;
    } catch (IOException e) {
      return "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }
}
