package io.homi.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.homi.runtime.HomiConfig;
import io.homi.runtime.HomiRuntime;
import io.homi.runtime.parquet.ParquetFileReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.Encoding;
import org.apache.parquet.format.FieldRepetitionType;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.KeyValue;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Type;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The wrong-rows and out-of-memory causes of issue 22, each on the smallest mutation of a
 * Spark-written file that shows it: homi refuses with an error naming the file (as Spark's own
 * reader refuses, checked side by side), where before it returned other rows or threw an Error.
 */
@Timeout(180)
class HostileFilesIT extends SparkTestBase {
  private static byte[] good;
  private static List<Row> original;

  @BeforeAll
  static void writeSource() throws IOException {
    Path dir = freshDir("hostile-source");
    // One row group, v1 pages, no dictionary, uncompressed: the bytes are easy to edit in place.
    spark
        .range(0, 982)
        .selectExpr(
            "id", "CAST(id % 1000 AS INT) AS i", "IF(id % 7 = 0, NULL, concat('v', id)) AS s")
        .coalesce(1)
        .write()
        .option("compression", "none")
        .option("parquet.enable.dictionary", "false")
        .parquet(dir.toString());
    Path f;
    try (Stream<Path> s = Files.list(dir)) {
      f = s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    good = Files.readAllBytes(f);
    original = rows("parquet", f, "id");
    assertThat(rows("homi", f, "id")).isEqualTo(original);
  }

  private static Path write(String name, byte[] bytes) throws IOException {
    Path dir = Files.createDirectories(freshDir("hostile-" + name));
    Path p = dir.resolve(name + ".parquet");
    Files.write(p, bytes);
    return p;
  }

  /** homi's error on reading every column of {@code p}; fails the test if homi returns rows. */
  private static String homiFailure(Path p) {
    Throwable t =
        catchThrowable(() -> spark.read().format("homi").load(p.toString()).collectAsList());
    assertThat(t).as("homi must refuse %s", p).isNotNull();
    String m = messages(t);
    assertThat(m)
        .contains(p.toString())
        .doesNotContain("NullPointerException")
        .doesNotContain("OutOfMemoryError")
        .doesNotContain("StackOverflowError");
    return m;
  }

  private static boolean sparkRefuses(Path p) {
    return catchThrowable(() -> spark.read().parquet(p.toString()).collectAsList()) != null;
  }

  @Test
  void repetitionOutsideTheEnumIsRefusedNotReadAsOptional() throws Exception {
    // The bytes of the footer with column s REQUIRED (zigzag 0) and OPTIONAL (zigzag 2) differ in
    // exactly that varint: set it to 7, which FieldRepetitionType does not have.
    FileMetaData md = Footers.footer(good);
    SchemaElement s = md.getSchema().get(3);
    assertThat(s.getName()).isEqualTo("s");
    s.setRepetition_type(FieldRepetitionType.REQUIRED);
    byte[] req = Footers.serialize(md);
    s.setRepetition_type(FieldRepetitionType.OPTIONAL);
    byte[] opt = Footers.serialize(md);
    int at = Arrays.mismatch(req, opt);
    assertThat(req.length).isEqualTo(opt.length);
    assertThat(
            Arrays.mismatch(
                Arrays.copyOfRange(req, at + 1, req.length),
                Arrays.copyOfRange(opt, at + 1, opt.length)))
        .isEqualTo(-1);
    opt[at] = 14; // zigzag(7)
    Path p = write("repetition7", Footers.withFooter(good, opt));
    assertThat(homiFailure(p)).contains("schema element 's' has no valid repetition type");
    assertThat(sparkRefuses(p)).as("Spark refuses it too").isTrue();
  }

  @Test
  void aRowGroupWithNoRowsWhoseChunksHoldValuesIsRefused() throws Exception {
    Path p =
        write("rows0", Footers.editFooter(good, md -> md.getRow_groups().get(0).setNum_rows(0)));
    assertThat(homiFailure(p)).contains("holds 982 values for the row group's 0 rows");
  }

  @Test
  void aRowGroupClaimingFewerRowsThanItsChunksHoldIsRefused() throws Exception {
    Path p =
        write(
            "rowsLess", Footers.editFooter(good, md -> md.getRow_groups().get(0).setNum_rows(500)));
    assertThat(homiFailure(p)).contains("holds 982 values for the row group's 500 rows");
  }

  @Test
  void aRowGroupClaimingMoreRowsThanItsChunksHoldIsRefused() throws Exception {
    Path p =
        write(
            "rowsMore",
            Footers.editFooter(good, md -> md.getRow_groups().get(0).setNum_rows(1000)));
    // Spark's reader returns rows here (its row count comes from the pages it finds); which of
    // the two counts is the lie can not be told, so homi refuses rather than guess.
    assertThat(homiFailure(p)).contains("holds 982 values for the row group's 1000 rows");
  }

  @Test
  void bitPackedDefinitionLevelsAreRefusedAsSparkRefusesThem() throws Exception {
    ColumnMetaData s =
        Footers.footer(good).getRow_groups().get(0).getColumns().get(2).getMeta_data();
    byte[] edited =
        Footers.editPageHeader(
            good,
            (int) s.getData_page_offset(),
            h -> {
              assertThat(h.getData_page_header().getDefinition_level_encoding())
                  .isEqualTo(Encoding.RLE);
              h.getData_page_header().setDefinition_level_encoding(Encoding.BIT_PACKED);
            });
    Path p = write("bitpacked", edited);
    assertThat(homiFailure(p)).contains("level encoding BIT_PACKED");
    assertThat(sparkRefuses(p)).as("Spark refuses it too").isTrue();
  }

  @Test
  void aLeafTypeDisagreeingWithTheStoredSparkSchemaIsRefused() throws Exception {
    // Column i is INT32 in the pages and "integer" in the stored Spark schema; the footer now
    // says INT64. Spark casts to the stored type; homi would read other values: it refuses.
    Path p =
        write(
            "typelie",
            Footers.editFooter(
                good,
                md -> {
                  md.getSchema().get(2).setType(Type.INT64);
                  md.getRow_groups().get(0).getColumns().get(1).getMeta_data().setType(Type.INT64);
                }));
    assertThat(homiFailure(p))
        .contains("column 'i' is stored as INT64 (bigint) but the file's Spark schema says int");
    // The same footer edit without the stored schema is an ordinary INT64 column to both readers.
    Path plain =
        write(
            "typelie-nostored",
            Footers.editFooter(
                good,
                md -> {
                  md.getSchema().get(2).setType(Type.INT64);
                  md.getRow_groups().get(0).getColumns().get(1).getMeta_data().setType(Type.INT64);
                  md.setKey_value_metadata(List.<KeyValue>of());
                }));
    assertThat(catchThrowable(() -> spark.read().format("homi").load(plain.toString()).schema()))
        .as("no stored schema: nothing to disagree with")
        .isNull();
  }

  @Test
  void aColumnChunkWithoutMetaDataIsNamed() throws Exception {
    Path p =
        write(
            "nometa",
            Footers.editFooter(
                good, md -> md.getRow_groups().get(0).getColumns().get(1).setMeta_data(null)));
    assertThat(homiFailure(p)).contains("row group 0 column 'i' has no meta_data");
  }

  @Test
  void aRowGroupWithoutItsColumnChunksIsNamed() throws Exception {
    // Found by HostileFuzzIT (LIST_COUNT): an empty chunk list met an IndexOutOfBounds in planning.
    Path p =
        write(
            "nochunks",
            Footers.editFooter(
                good, md -> md.getRow_groups().get(0).setColumns(new java.util.ArrayList<>())));
    assertThat(homiFailure(p)).contains("row group 0 has 0 column chunks for 3 schema columns");
  }

  @Test
  void aCorruptStoredSparkSchemaIsIgnoredAsSparkIgnoresIt() throws Exception {
    // Found by HostileFuzzIT: the stored schema's JSON with a byte changed failed the read with
    // Jackson's message and no file name. Spark falls back to the Parquet schema; so does homi.
    Path p =
        write(
            "badjson",
            Footers.editFooter(
                good,
                md -> {
                  for (KeyValue kv : md.getKey_value_metadata()) {
                    if (kv.getKey().equals("org.apache.spark.sql.parquet.row.metadata"))
                      kv.setValue(kv.getValue().replaceFirst(":", "#"));
                  }
                }));
    assertThat(rows("homi", p, "id")).isEqualTo(original).isEqualTo(rows("parquet", p, "id"));
  }

  @Test
  void aListElementBelowItsListsDefinitionLevelIsRefused() throws Exception {
    // Found by HostileFuzzIT (BYTE_FLIP): one flipped bit in the levels of column arr
    // (array<bigint>, Spark-written, uncompressed) gives row 33 an entry repeating inside a list
    // at the definition level of an empty list. Spark's reader makes it a null element
    // ([0, null, 1, 2]), homi dropped it ([0, 1, 2]); the original was [0, 1, 2, 3]. Refused.
    Path p =
        write(
            "list-element",
            Files.readAllBytes(
                Path.of(
                    HostileFilesIT.class
                        .getResource("/hostile/list-element-below-its-list.parquet")
                        .toURI())));
    List<Row> spark = rows("parquet", p, "id");
    assertThat(spark.get(33).getList(2)).hasSize(4).containsNull();
    assertThat(homiFailure(p))
        .contains("column 'arr.list.element'")
        .contains("an element of a list that is null or empty");
  }

  @Test
  void aBitPackedRunLongerThanItsPageIsRefused() throws Exception {
    // Found by HostileFuzzIT (PAGE_BODY, flat-dict-snappy #22): one byte of a snappy page of
    // column s changed (file offset 3555, 0x15 -> 0xff). snappy has no checksum, so the page
    // decompresses to the declared 70 bytes with one byte changed: the dictionary ids' first run
    // header, a 10-group bit-packed run, became the varint 0xff 0x20 (2,111 groups, 10,555
    // bytes at 5 bits) over 49 bytes. homi read the 80 ids it needed from the bytes after that
    // header (600 rows, other strings); Spark's reader fails unpacking the run (EOFException).
    Path p =
        write(
            "long-run",
            Files.readAllBytes(
                Path.of(
                    HostileFilesIT.class
                        .getResource("/hostile/snappy-flip-long-bitpacked-run.parquet")
                        .toURI())));
    assertThat(homiFailure(p))
        .contains("column 's'")
        .contains("bit-packed run of 2111 groups")
        .contains("only 49 bytes remain");
    assertThat(sparkRefuses(p)).as("Spark refuses it too").isTrue();
  }

  @Test
  void aChunkSizePastTheFooterIsRefusedNotPlannedIntoNoSplit() throws Exception {
    // Found by HostileFuzzIT (FOOTER_INT, RAW_LENGTH): total_compressed_size 2^31 put the row
    // group's midpoint past every split, so homi returned no rows and no error.
    Path p =
        write(
            "chunksize",
            Footers.editFooter(
                good,
                md ->
                    md.getRow_groups()
                        .get(0)
                        .getColumns()
                        .get(1)
                        .getMeta_data()
                        .setTotal_compressed_size(1L << 31)));
    assertThat(homiFailure(p))
        .contains("row group 0 column 'i': chunk at")
        .contains("can not be placed in the file");
  }

  @Test
  void aChunkReachingPastTheFileIsReadIntoASplitAndRefused() throws Exception {
    // Found by the longer HostileFuzzIT run (FOOTER_INT, seed 7): total_compressed_size
    // 2^31 - 1 passed the 2 GiB bound but put the midpoint past the file: 0 rows, no
    // error (Spark refuses the file). A chunk size past the largest Java array is now refused
    // with the footer; a row group starting far past the end has its midpoint clamped into the
    // file, so one split reads it and its chunk is checked against the file's bytes.
    Path size =
        write(
            "chunksize-max",
            Footers.editFooter(
                good,
                md ->
                    md.getRow_groups()
                        .get(0)
                        .getColumns()
                        .get(2)
                        .getMeta_data()
                        .setTotal_compressed_size(Integer.MAX_VALUE)));
    assertThat(homiFailure(size)).contains("row group 0").contains("'s'");
    assertThat(sparkRefuses(size)).as("Spark refuses it too").isTrue();
    Path offset =
        write(
            "chunkoffset-far",
            Footers.editFooter(
                good,
                md -> {
                  ColumnMetaData m = md.getRow_groups().get(0).getColumns().get(0).getMeta_data();
                  m.setData_page_offset(1L << 40);
                }));
    assertThat(homiFailure(offset)).contains("row group 0");
    // data_page_offset = Long.MAX_VALUE (FOOTER_INT, v2-pages #49): the midpoint's sum wrapped
    // negative (no split: 0 rows), then the chunk's end did (an IllegalArgumentException
    // without the file's name).
    Path max =
        write(
            "chunkoffset-max",
            Footers.editFooter(
                good,
                md ->
                    md.getRow_groups()
                        .get(0)
                        .getColumns()
                        .get(0)
                        .getMeta_data()
                        .setData_page_offset(Long.MAX_VALUE)));
    assertThat(homiFailure(max))
        .contains("row group 0 column 'id'")
        .contains("lies outside the file's data");
  }

  @Test
  void aFooterListDeclaringTwoBillionElementsIsAnErrorNotOutOfMemory() throws Exception {
    byte[] footer = {
      0x15, 0x02, 0x19, (byte) 0xFC, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07, 0, 0
    };
    Path p = write("list2g", Footers.withFooter(good, footer));
    assertThat(homiFailure(p))
        .contains("can not read FileMetaData")
        .contains("list declares 2147483647 elements");
    assertThat(sparkRefuses(p)).isTrue();
  }

  @Test
  void thriftNestedTenThousandDeepIsAnErrorNotStackOverflow() throws Exception {
    byte[] footer = new byte[10_000];
    Arrays.fill(footer, (byte) 0x1C);
    Path p = write("deep", Footers.withFooter(good, footer));
    assertThat(homiFailure(p))
        .contains("can not read FileMetaData")
        .contains("nested deeper than 64");
  }

  @Test
  void anEmptyFileSaysItIsEmpty() throws Exception {
    Path p = write("empty", new byte[0]);
    Throwable t =
        catchThrowable(
            () -> ParquetFileReader.open(HomiRuntime.get(), p, HomiConfig.defaults()).close());
    assertThat(t)
        .hasMessageContaining(p.toString())
        .hasMessageContaining("the file is empty (0 bytes)");
  }
}
