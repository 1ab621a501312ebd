package io.homi.runtime.settings;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-JVM settings ({@link Setting.Scope#JVM}) of this JVM, resolved once, the first time the
 * runtime asks for one, and fixed from then on (threads, caches and native libraries are set up
 * with them). Sources, highest precedence first: the Spark conf's {@code spark.homi.*} (handed over
 * by the connector with {@link #useSparkConf} before it first touches the runtime, on the driver
 * and on each executor), then {@code -Dhomi.*}, then the default. A Spark conf that arrives after
 * the values were fixed and differs from them is logged, not applied.
 */
public final class JvmSettings {
  private static final Logger LOG = LoggerFactory.getLogger(JvmSettings.class);
  private static final Object LOCK = new Object();
  private static Map<String, String> sparkConf = Map.of(); // guarded by LOCK
  private static volatile JvmSettings current;

  private final Map<String, Object> values; // key -> parsed value, every per-JVM setting
  private final Map<String, String> sources; // key -> where its value came from

  private JvmSettings(Map<String, Object> values, Map<String, String> sources) {
    this.values = values;
    this.sources = sources;
  }

  /**
   * Resolves every per-JVM setting from a Spark conf's {@code homi.*} entries (spark. prefix
   * already dropped, see {@link HomiSettings#fromSparkConf}) over system properties over the
   * defaults. A bad value fails naming its key and where it was given.
   */
  public static JvmSettings resolve(
      Map<String, String> sparkHomi, Map<String, String> systemProperties) {
    Map<String, Object> values = new LinkedHashMap<>();
    Map<String, String> sources = new LinkedHashMap<>();
    for (Setting<?> s : HomiSettings.all()) {
      if (s.scope() != Setting.Scope.JVM) continue;
      String v = s.rawValue(sparkHomi);
      String source = s.sparkKey();
      if (v == null) {
        v = s.rawValue(systemProperties);
        source = "-D" + s.key();
      }
      if (v == null) {
        values.put(s.key(), s.defaultValue());
        sources.put(s.key(), "default");
        continue;
      }
      try {
        values.put(s.key(), s.parse(v));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(e.getMessage() + " (from " + source + ")", e);
      }
      sources.put(s.key(), source);
    }
    return new JvmSettings(values, sources);
  }

  /** This JVM's settings, resolved on the first call. */
  public static JvmSettings get() {
    JvmSettings c = current;
    if (c != null) return c;
    synchronized (LOCK) {
      if (current == null) {
        current = resolve(sparkConf, HomiSettings.systemProperties());
        LOG.debug("HOMI per-JVM settings: {}", current);
      }
      return current;
    }
  }

  /**
   * Hands over the Spark conf's {@code homi.*} entries (spark. prefix dropped). Call before the
   * runtime starts in this JVM; afterwards a conf that would change a value is logged as ignored.
   */
  public static void useSparkConf(Map<String, String> sparkHomi) {
    synchronized (LOCK) {
      if (current == null) {
        sparkConf = Map.copyOf(sparkHomi);
        return;
      }
      if (sparkHomi.equals(sparkConf)) return;
      JvmSettings wanted = resolve(sparkHomi, HomiSettings.systemProperties());
      for (Map.Entry<String, Object> e : wanted.values.entrySet()) {
        if (!Objects.equals(e.getValue(), current.values.get(e.getKey()))) {
          LOG.warn(
              "spark.{}={} is not applied: the HOMI runtime of this JVM started with {}={} ({}); per-JVM settings"
                  + " are fixed when it starts",
              e.getKey(),
              e.getValue(),
              e.getKey(),
              current.values.get(e.getKey()),
              current.sources.get(e.getKey()));
        }
      }
      sparkConf = Map.copyOf(sparkHomi); // warn once per differing conf
    }
  }

  /** The value of a per-JVM setting. */
  @SuppressWarnings("unchecked")
  public <T> T get(Setting<T> s) {
    if (s.scope() != Setting.Scope.JVM)
      throw new IllegalArgumentException(s.key() + " is a per-scan setting");
    return (T) values.get(s.key());
  }

  /**
   * Where a setting's value came from: {@code spark.homi.x}, {@code -Dhomi.x} or {@code default}.
   */
  public String source(Setting<?> s) {
    return sources.get(s.key());
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    values.forEach(
        (k, v) ->
            b.append(b.length() == 0 ? "" : ", ")
                .append(k)
                .append('=')
                .append(v)
                .append(" (")
                .append(sources.get(k))
                .append(')'));
    return b.toString();
  }
}
