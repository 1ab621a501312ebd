package io.homi.runtime.settings;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HOMI setting: its key, scope, default, the values it takes, and what it does. Immutable.
 * Every setting is declared once, in {@link HomiSettings}; values are parsed and checked here, so a
 * bad value fails the same way wherever it was given, with the key's name.
 *
 * @param <T> the parsed value's type
 */
public final class Setting<T> {
  private static final Logger LOG = LoggerFactory.getLogger(Setting.class);
  // Deprecated keys already warned about in this JVM: one WARN each, not one per scan.
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

  /** Where a setting applies, which decides where it can be given. */
  public enum Scope {
    /**
     * One read (one Spark scan): a read option, else the session's {@code spark.homi.*} conf, else
     * the driver JVM's {@code -Dhomi.*}, else the default.
     */
    SCAN,
    /**
     * The whole JVM (the runtime's threads, caches, native libraries), fixed when the runtime
     * starts: the Spark conf's {@code spark.homi.*}, else {@code -Dhomi.*}, else the default.
     */
    JVM
  }

  private final String key;
  private final Scope scope;
  private final T defaultValue;
  private final String defaultText;
  private final String values;
  private final String doc;
  private final Function<String, T> parser;
  private final String deprecatedKey; // an old name still read, or null

  private Setting(
      String key,
      Scope scope,
      T defaultValue,
      String defaultText,
      String values,
      String doc,
      Function<String, T> parser) {
    this(key, scope, defaultValue, defaultText, values, doc, parser, null);
  }

  private Setting(
      String key,
      Scope scope,
      T defaultValue,
      String defaultText,
      String values,
      String doc,
      Function<String, T> parser,
      String deprecatedKey) {
    if (!key.startsWith("homi."))
      throw new IllegalArgumentException("a setting's key starts with homi.: " + key);
    if (deprecatedKey != null && !deprecatedKey.startsWith("homi."))
      throw new IllegalArgumentException("a setting's key starts with homi.: " + deprecatedKey);
    this.deprecatedKey = deprecatedKey;
    this.key = key;
    this.scope = Objects.requireNonNull(scope);
    this.defaultValue = defaultValue;
    this.defaultText = defaultText;
    this.values = values;
    this.doc = doc;
    this.parser = parser;
  }

  /** An integer in [min, max]. */
  public static Setting<Integer> integer(
      String key, Scope scope, int dflt, int min, int max, String doc) {
    return new Setting<>(
        key,
        scope,
        dflt,
        String.valueOf(dflt),
        range("integer", min, max, false),
        doc,
        v -> (int) checkRange(key, parseLong(key, v, false), min, max, v));
  }

  /**
   * A whole number in [min, max] with a unit (milliseconds, chunks): the unit is named in the docs.
   */
  public static Setting<Long> number(
      String key, Scope scope, long dflt, long min, long max, String unit, String doc) {
    return new Setting<>(
        key,
        scope,
        dflt,
        String.valueOf(dflt),
        range(unit, min, max, false),
        doc,
        v -> checkRange(key, parseLong(key, v, false), min, max, v));
  }

  /** A size in bytes in [min, max]; suffixes k, m, g (powers of 1024) allowed. */
  public static Setting<Long> bytes(
      String key, Scope scope, long dflt, long min, long max, String doc) {
    return new Setting<>(
        key,
        scope,
        dflt,
        bytesText(dflt),
        range("bytes", min, max, true),
        doc,
        v -> checkRange(key, parseLong(key, v, true), min, max, v));
  }

  /** true or false (any case). */
  public static Setting<Boolean> bool(String key, Scope scope, boolean dflt, String doc) {
    return new Setting<>(
        key,
        scope,
        dflt,
        String.valueOf(dflt),
        "`true`, `false`",
        doc,
        v ->
            switch (v.trim().toLowerCase(Locale.ROOT)) {
              case "true" -> true;
              case "false" -> false;
              default ->
                  throw new IllegalArgumentException(
                      key + " must be true or false: got '" + v + "'");
            });
  }

  /** One of {@code choices} (any case; the value returned is the choice as declared). */
  public static Setting<String> choice(
      String key, Scope scope, String dflt, List<String> choices, String doc) {
    if (!choices.contains(dflt))
      throw new IllegalArgumentException(key + ": default " + dflt + " not a choice");
    List<String> all = List.copyOf(choices);
    return new Setting<>(
        key,
        scope,
        dflt,
        dflt,
        String.join(", ", all.stream().map(c -> "`" + c + "`").toList()),
        doc,
        v -> {
          String s = v.trim().toLowerCase(Locale.ROOT);
          for (String c : all) if (c.equalsIgnoreCase(s)) return c;
          throw new IllegalArgumentException(
              key + " must be one of " + String.join(", ", all) + ": got '" + v + "'");
        });
  }

  /**
   * Free text (a library name); {@code dflt} may be null, {@code defaultText} says what then
   * happens.
   */
  public static Setting<String> text(
      String key, Scope scope, String dflt, String defaultText, String doc) {
    return new Setting<>(
        key,
        scope,
        dflt,
        defaultText,
        "text",
        doc,
        v -> {
          if (v.isBlank()) throw new IllegalArgumentException(key + " must not be empty");
          return v.trim();
        });
  }

  /** The same setting with a default computed on this machine, described as {@code defaultText}. */
  public Setting<T> withDefault(T dflt, String text) {
    return new Setting<>(key, scope, dflt, text, values, doc, parser, deprecatedKey);
  }

  /**
   * The same setting, also read under {@code oldKey}, the name it had before (so that existing jobs
   * keep working): a value given only under the old name is used, with one WARN per JVM that names
   * the new key; the same value under both names is that value; different values fail.
   */
  public Setting<T> withDeprecatedKey(String oldKey) {
    return new Setting<>(key, scope, defaultValue, defaultText, values, doc, parser, oldKey);
  }

  /** The old name this setting is still read under, or null. */
  public String deprecatedKey() {
    return deprecatedKey;
  }

  /** Whether {@code k} names this setting: its key or its deprecated key, in any case. */
  boolean named(String k) {
    return key.equalsIgnoreCase(k) || (deprecatedKey != null && deprecatedKey.equalsIgnoreCase(k));
  }

  public String key() {
    return key;
  }

  /** The key in a Spark conf: {@code spark.} + key. */
  public String sparkKey() {
    return "spark." + key;
  }

  public Scope scope() {
    return scope;
  }

  public T defaultValue() {
    return defaultValue;
  }

  /** The default as the docs show it (e.g. {@code 4m}). */
  public String defaultText() {
    return defaultText;
  }

  /** The values it takes, as the docs show them. */
  public String values() {
    return values;
  }

  public String doc() {
    return doc;
  }

  /**
   * Parses and checks a value; a bad one fails with an {@link IllegalArgumentException} naming the
   * key.
   */
  public T parse(String raw) {
    if (raw == null) throw new IllegalArgumentException(key + " must not be null");
    return parser.apply(raw);
  }

  /** The value in {@code raw} under this key (matched case-insensitively), else the default. */
  public T from(Map<String, String> raw) {
    String v = rawValue(raw);
    return v == null ? defaultValue : parse(v);
  }

  /**
   * The string under this key in {@code raw}, matched case-insensitively, else the one under its
   * deprecated key (logged once per JVM), or null. Both keys with values that parse differently
   * fail, naming both: which one was meant cannot be guessed.
   */
  String rawValue(Map<String, String> raw) {
    String v = lookup(raw, key);
    if (deprecatedKey == null) return v;
    String old = lookup(raw, deprecatedKey);
    if (old == null) return v;
    if (v != null) {
      if (!v.trim().equalsIgnoreCase(old.trim()) && !Objects.equals(parse(v), parse(old))) {
        throw new IllegalArgumentException(
            key
                + " and its deprecated name "
                + deprecatedKey
                + " are both set, to '"
                + v
                + "' and '"
                + old
                + "': set only "
                + key);
      }
      return v;
    }
    if (WARNED.add(deprecatedKey)) {
      LOG.warn(
          "{} is deprecated, set {} instead; the value '{}' is used as {}",
          deprecatedKey,
          key,
          old,
          key);
    }
    return old;
  }

  private static String lookup(Map<String, String> raw, String k) {
    String v = raw.get(k);
    if (v != null) return v;
    for (Map.Entry<String, String> e : raw.entrySet()) {
      if (e.getKey().equalsIgnoreCase(k)) return e.getValue();
    }
    return null;
  }

  @Override
  public String toString() {
    return key;
  }

  private static String range(String unit, long min, long max, boolean bytes) {
    String hi =
        max == Long.MAX_VALUE || max == Integer.MAX_VALUE
            ? ""
            : bytes ? bytesText(max) : String.valueOf(max);
    return unit + ", " + (bytes ? bytesText(min) : String.valueOf(min)) + ".." + hi;
  }

  private static long checkRange(String key, long n, long min, long max, String v) {
    if (n < min || n > max)
      throw new IllegalArgumentException(
          key + " must be in [" + min + ", " + max + "]: got '" + v + "'");
    return n;
  }

  private static long parseLong(String key, String v, boolean suffixes) {
    try {
      return suffixes ? parseBytes(v.trim()) : Long.parseLong(v.trim());
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(
          key
              + " must be "
              + (suffixes ? "a number (suffixes k, m, g allowed)" : "an integer")
              + ": got '"
              + v
              + "'");
    }
  }

  /** {@code 4m} = 4 MiB: suffixes k, m, g (with or without a trailing b), powers of 1024. */
  static long parseBytes(String v) {
    String s = v.toLowerCase(Locale.ROOT);
    long mult = 1;
    if (s.endsWith("b")) s = s.substring(0, s.length() - 1);
    if (s.endsWith("k")) mult = 1L << 10;
    else if (s.endsWith("m")) mult = 1L << 20;
    else if (s.endsWith("g")) mult = 1L << 30;
    if (mult != 1) s = s.substring(0, s.length() - 1);
    return Math.multiplyExact(Long.parseLong(s), mult);
  }

  /** The shortest exact form: 4194304 -> 4m, 262144 -> 256k, 1000 -> 1000. */
  static String bytesText(long n) {
    if (n != 0 && n % (1L << 30) == 0) return n / (1L << 30) + "g";
    if (n != 0 && n % (1L << 20) == 0) return n / (1L << 20) + "m";
    if (n != 0 && n % (1L << 10) == 0) return n / (1L << 10) + "k";
    return String.valueOf(n);
  }
}
