package io.homi.spark;

import java.util.List;
import org.apache.spark.sql.connector.expressions.Expression;
import org.apache.spark.sql.connector.expressions.Literal;
import org.apache.spark.sql.connector.expressions.NamedReference;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.execution.datasources.FileStatusWithMetadata;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Pushed predicates on {@code _metadata.file_path / file_name / file_size /
 * file_modification_time}, judged per file at planning so that files that cannot match are not
 * read. Anything it does not understand keeps the file; Spark applies every predicate again after
 * the scan, so this only ever saves reads.
 */
final class MetadataFilter {
  private MetadataFilter() {}

  /** Whether the predicate names a file field of _metadata (and nothing else). */
  static boolean isFileFilter(Predicate p) {
    NamedReference[] refs = p.references();
    if (refs.length == 0) return false;
    for (NamedReference r : refs) {
      String[] n = r.fieldNames();
      if (n.length != 2 || !n[0].equals(FileMetadataColumn.NAME) || value(n[1], null, true) == null)
        return false;
    }
    return true;
  }

  static boolean mightMatch(List<Predicate> predicates, FileStatusWithMetadata file) {
    for (Predicate p : predicates) if (Boolean.FALSE.equals(eval(p, file))) return false;
    return true;
  }

  /** True, false, or null for unknown. */
  private static Boolean eval(Predicate p, FileStatusWithMetadata f) {
    Expression[] c = p.children();
    switch (p.name()) {
      case "AND":
        {
          Boolean a = eval((Predicate) c[0], f);
          Boolean b = eval((Predicate) c[1], f);
          if (Boolean.FALSE.equals(a) || Boolean.FALSE.equals(b)) return false;
          return a == null || b == null ? null : true;
        }
      case "OR":
        {
          Boolean a = eval((Predicate) c[0], f);
          Boolean b = eval((Predicate) c[1], f);
          if (Boolean.TRUE.equals(a) || Boolean.TRUE.equals(b)) return true;
          return a == null || b == null ? null : false;
        }
      case "NOT":
        {
          Boolean a = eval((Predicate) c[0], f);
          return a == null ? null : !a;
        }
      case "IS_NULL":
        return c[0] instanceof NamedReference ? false : null; // file fields are never null
      case "IS_NOT_NULL":
        return c[0] instanceof NamedReference ? true : null;
      default:
        break;
    }
    if (c.length < 2 || !(c[0] instanceof NamedReference ref)) return null;
    Object v = fieldValue(ref, f);
    if (v == null) return null;
    if (p.name().equals("IN")) {
      for (int i = 1; i < c.length; i++) {
        Integer cmp = compare(v, c[i]);
        if (cmp == null) return null;
        if (cmp == 0) return true;
      }
      return false;
    }
    if (c.length != 2) return null;
    if (p.name().equals("STARTS_WITH")
        || p.name().equals("ENDS_WITH")
        || p.name().equals("CONTAINS")) {
      if (!(v instanceof UTF8String s)
          || !(c[1] instanceof Literal<?> l)
          || !(l.value() instanceof UTF8String t)) return null;
      return switch (p.name()) {
        case "STARTS_WITH" -> s.startsWith(t);
        case "ENDS_WITH" -> s.endsWith(t);
        default -> s.contains(t);
      };
    }
    Integer cmp = compare(v, c[1]);
    if (cmp == null) return null;
    return switch (p.name()) {
      case "=", "<=>" -> cmp == 0;
      case "<>" -> cmp != 0;
      case "<" -> cmp < 0;
      case "<=" -> cmp <= 0;
      case ">" -> cmp > 0;
      case ">=" -> cmp >= 0;
      default -> null;
    };
  }

  private static Integer compare(Object v, Expression e) {
    if (!(e instanceof Literal<?> l) || l.value() == null) return null;
    Object w = l.value();
    if (v instanceof UTF8String s && w instanceof UTF8String t) return s.compareTo(t);
    if (v instanceof Long a && w instanceof Number b) return Long.compare(a, b.longValue());
    return null;
  }

  private static Object fieldValue(NamedReference ref, FileStatusWithMetadata f) {
    String[] n = ref.fieldNames();
    if (n.length != 2 || !n[0].equals(FileMetadataColumn.NAME)) return null;
    return value(n[1], f, false);
  }

  /**
   * The value of a file field, as _metadata holds it; with {@code probe}, non-null for every known
   * field.
   */
  private static Object value(String field, FileStatusWithMetadata f, boolean probe) {
    switch (field) {
      case "file_path":
        return probe ? "" : UTF8String.fromString(f.getPath().toString());
      case "file_name":
        if (probe) return "";
        String raw = f.getPath().toUri().getRawPath();
        return UTF8String.fromString(raw.substring(raw.lastIndexOf('/') + 1));
      case "file_size":
        return probe ? 0L : f.getLen();
      case "file_modification_time":
        return probe ? 0L : f.getModificationTime() * 1000L;
      default:
        return null;
    }
  }
}
