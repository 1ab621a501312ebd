package io.homi.runtime.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** PARQUET-251: which writers' byte-array statistics are used, as parquet-java decides. */
class WriterVersionTest {
  @Test
  void parquetMrBefore180IsDistrusted() {
    assertThat(WriterVersion.byteArrayStatisticsTrusted("parquet-mr version 1.6.0 (build abc)"))
        .isFalse();
    assertThat(WriterVersion.byteArrayStatisticsTrusted("parquet-mr version 1.7.9")).isFalse();
    assertThat(WriterVersion.byteArrayStatisticsTrusted("parquet-mr version 1.2.8")).isFalse();
    assertThat(WriterVersion.byteArrayStatisticsTrusted("parquet-mr version 1.8.0-SNAPSHOT"))
        .isFalse();
    assertThat(
            WriterVersion.byteArrayStatisticsTrusted(
                "parquet-mr version 1.5.0-cdh5.5.0-SNAPSHOT (build 1234)"))
        .as("CDH's backport is not recognised: read for values, never wrong")
        .isFalse();
  }

  @Test
  void parquetMrFrom180IsTrusted() {
    assertThat(WriterVersion.byteArrayStatisticsTrusted("parquet-mr version 1.8.0 (build abc)"))
        .isTrue();
    assertThat(WriterVersion.byteArrayStatisticsTrusted("parquet-mr version 1.8.1")).isTrue();
    assertThat(
            WriterVersion.byteArrayStatisticsTrusted(
                "parquet-mr version 1.15.2 (build 3a7e4ba4b5e8ba1cd4ad3fdc8e1cdbd3b6e4c0ff)"))
        .isTrue();
    assertThat(WriterVersion.byteArrayStatisticsTrusted("parquet-mr version 2.0.0")).isTrue();
  }

  @Test
  void otherWritersAreTrusted() {
    assertThat(WriterVersion.byteArrayStatisticsTrusted("parquet-cpp-arrow version 17.0.0"))
        .isTrue();
    assertThat(WriterVersion.byteArrayStatisticsTrusted("parquet-rs version 53.0.0")).isTrue();
    assertThat(WriterVersion.byteArrayStatisticsTrusted("impala version 1.3.0-INTERNAL (build x)"))
        .isTrue();
  }

  @Test
  void missingOrUnparseableCreatedByIsDistrusted() {
    assertThat(WriterVersion.byteArrayStatisticsTrusted(null)).isFalse();
    assertThat(WriterVersion.byteArrayStatisticsTrusted("")).isFalse();
    assertThat(WriterVersion.byteArrayStatisticsTrusted("some writer")).isFalse();
    assertThat(WriterVersion.byteArrayStatisticsTrusted("parquet-mr version")).isFalse();
    assertThat(WriterVersion.byteArrayStatisticsTrusted("parquet-mr version one.two")).isFalse();
    assertThat(WriterVersion.byteArrayStatisticsTrusted("parquet-mr version 99999999999.0.0"))
        .isFalse();
  }
}
