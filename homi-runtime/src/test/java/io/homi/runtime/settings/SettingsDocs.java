package io.homi.runtime.settings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The docs generated from {@link HomiSettings}: the README's options table (between the marker
 * comments) and docs/settings.md. {@code SettingsDocsTest} fails when the files differ from what
 * this generates; {@code -DwriteSettingsDocs=true} on that test (or this main, given the repository
 * root) writes them.
 */
final class SettingsDocs {
  static final String BEGIN =
      "<!-- settings:scan:begin (generated from HomiSettings by SettingsDocs; edit the registry, not this table) -->";
  static final String END = "<!-- settings:scan:end -->";

  private SettingsDocs() {}

  public static void main(String[] args) throws IOException {
    write(Path.of(args.length > 0 ? args[0] : ".."));
  }

  /** The per-scan table, as it stands between the README's markers. */
  static String readmeTable() {
    return table(Setting.Scope.SCAN, false);
  }

  /** docs/settings.md, whole. */
  static String settingsPage() {
    StringBuilder b = new StringBuilder();
    b.append("# Settings\n\n")
        .append(
            "<!-- generated from HomiSettings by SettingsDocs (homi-runtime tests); edit the registry, not this page -->\n\n")
        .append(
            "Every HOMI setting is declared once, in `io.homi.runtime.settings.HomiSettings`: its key, scope,\n")
        .append(
            "default, the values it takes and what it does. A bad value fails naming the key (and, for a\n")
        .append(
            "per-JVM setting, where it was given). Sizes accept `k`, `m`, `g` suffixes (powers of 1024).\n\n")
        .append("## Per scan\n\n")
        .append("One read. Where a value comes from, first found wins:\n\n")
        .append(
            "1. the read option: `spark.read.format(\"homi\").option(\"homi.batchRows\", \"8192\")`;\n")
        .append(
            "2. the session's conf: `spark.conf.set(\"spark.homi.batchRows\", \"8192\")` (or `--conf spark.homi.batchRows=8192`);\n")
        .append("3. the driver JVM's system property: `-Dhomi.batchRows=8192`;\n")
        .append("4. the default.\n\n")
        .append(
            "The driver resolves them when it plans the scan and ships them to the executors with the\n")
        .append(
            "tasks. A `homi.*` read option that is not a per-scan setting fails, naming the known ones.\n\n")
        .append(table(Setting.Scope.SCAN, true))
        .append("\n## Per JVM\n\n")
        .append(
            "The runtime's threads, caches and native libraries: one value per JVM (the driver and each\n")
        .append(
            "executor), fixed when the runtime starts there. Where a value comes from, first found wins:\n\n")
        .append(
            "1. the Spark conf: `--conf spark.homi.ioThreads=128` (the connector hands it to the runtime\n")
        .append(
            "   when it first touches the runtime: planning on the driver, reading on each executor);\n")
        .append(
            "2. the JVM's system property: `-Dhomi.ioThreads=128` (e.g. in `spark.executor.extraJavaOptions`,\n")
        .append("   or `HOMI_JAVA_OPTS` for `bin/homi`);\n")
        .append("3. the default.\n\n")
        .append(
            "A Spark conf that arrives after the runtime of that JVM started (a second session in one JVM)\n")
        .append(
            "and would change a value is not applied; a WARN line names the key and the value in use.\n\n")
        .append(table(Setting.Scope.JVM, true))
        .append("\n## Adding a setting\n\n")
        .append(
            "One declaration in `HomiSettings` (`add(Setting.integer(...))`, `bytes`, `number`, `bool`,\n")
        .append(
            "`choice`, `text`), read where it is used (`HomiSettings.X.from(map)` for a per-scan setting,\n")
        .append(
            "`JvmSettings.get().get(HomiSettings.X)` for a per-JVM one), then regenerate this page and the\n")
        .append(
            "README's table: `mvn -o -q test -pl homi-runtime -am -Dtest=SettingsDocsTest -DwriteSettingsDocs=true\n")
        .append("-Dsurefire.failIfNoSpecifiedTests=false`.\n");
    return b.toString();
  }

  private static String table(Setting.Scope scope, boolean inDocs) {
    StringBuilder b = new StringBuilder();
    b.append(
        scope == Setting.Scope.SCAN
            ? "| option | default | values | meaning |\n"
            : "| setting | default | values | meaning |\n");
    b.append("|---|---|---|---|\n");
    for (Setting<?> s : HomiSettings.all()) {
      if (s.scope() != scope) continue;
      String doc = inDocs ? s.doc().replace("](docs/", "](") : s.doc();
      if (s.deprecatedKey() != null)
        doc +=
            ". Formerly `"
                + s.deprecatedKey()
                + "`, still read (deprecated: a WARN names this key)";
      String dflt = s.defaultText().contains("`") ? s.defaultText() : "`" + s.defaultText() + "`";
      b.append("| `")
          .append(s.key())
          .append("` | ")
          .append(dflt)
          .append(" | ")
          .append(s.values())
          .append(" | ")
          .append(doc.replace("|", "\\|"))
          .append(" |\n");
    }
    return b.toString();
  }

  /** The README with its table regenerated. */
  static String readme(String current) {
    int a = current.indexOf(BEGIN);
    int z = current.indexOf(END);
    if (a < 0 || z < a)
      throw new IllegalStateException("README.md lacks the markers " + BEGIN + " ... " + END);
    return current.substring(0, a + BEGIN.length()) + "\n" + readmeTable() + current.substring(z);
  }

  static void write(Path root) throws IOException {
    Path readme = root.resolve("README.md");
    Files.writeString(
        readme, readme(Files.readString(readme, StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    Files.writeString(root.resolve("docs/settings.md"), settingsPage(), StandardCharsets.UTF_8);
  }
}
