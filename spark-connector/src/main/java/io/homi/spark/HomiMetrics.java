package io.homi.spark;

import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.metric.CustomSumMetric;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;

/**
 * What HOMI did, shown on the scan node in the Spark UI. Spark instantiates the metric classes
 * by name on the driver, so each is a public class with a no-argument constructor.
 */
public final class HomiMetrics {
  static final String BYTES = "homiBytesRead";
  static final String ROWS = "homiRowsDecoded";
  static final String DECODE_MS = "homiDecodeTimeMs";

  private HomiMetrics() {}

  static CustomMetric[] supported() {
    return new CustomMetric[] {new BytesRead(), new RowsDecoded(), new DecodeTime()};
  }

  public static final class BytesRead extends CustomSumMetric {
    @Override
    public String name() {
      return BYTES;
    }

    @Override
    public String description() {
      return "homi bytes read";
    }
  }

  public static final class RowsDecoded extends CustomSumMetric {
    @Override
    public String name() {
      return ROWS;
    }

    @Override
    public String description() {
      return "homi rows decoded";
    }
  }

  public static final class DecodeTime extends CustomSumMetric {
    @Override
    public String name() {
      return DECODE_MS;
    }

    @Override
    public String description() {
      return "homi read + decode time (ms)";
    }
  }

  /** One task's values, reported through PartitionReader.currentMetricsValues. */
  static final class Task {
    private long bytes;
    private long rows;
    private long decodeNanos;

    void setBytes(long b) {
      bytes = b;
    }

    void addRows(long r) {
      rows += r;
    }

    void addDecodeNanos(long n) {
      decodeNanos += n;
    }

    CustomTaskMetric[] values() {
      return new CustomTaskMetric[] {value(BYTES, bytes), value(ROWS, rows), value(DECODE_MS, decodeNanos / 1_000_000)};
    }

    private static CustomTaskMetric value(String name, long v) {
      return new CustomTaskMetric() {
        @Override
        public String name() {
          return name;
        }

        @Override
        public long value() {
          return v;
        }
      };
    }
  }
}
