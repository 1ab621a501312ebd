package io.homi.spark;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2Relation;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;
import scala.runtime.AbstractPartialFunction;
import scala.runtime.BoxedUnit;

/**
 * {@code spark.sql.extensions=io.homi.spark.HomiExtensions}: SQL on paths (``SELECT ... FROM
 * homi.`/dir` ``) reads through homi's own scan ({@link HomiTable}, a V2 {@code BatchScan}) as
 * {@code spark.read.format("homi")} does, with homi's SQL metrics, aggregate and LIMIT pushdown and
 * runtime filtering. Without it Spark resolves such a query only for V1 {@code FileFormat} sources
 * (its ResolveSQLOnFile rule builds a {@code LogicalRelation} over a {@code HadoopFsRelation}), so
 * there Spark's own {@code FileSourceScanExec} plans the files and homi only reads each split.
 *
 * <p>The rule runs in the analyzer's resolution batch after ResolveSQLOnFile and replaces such a
 * relation whose format is homi (and that is no catalog table or stream) by a {@code
 * DataSourceV2Relation} over a {@link HomiTable} of the same root paths, options and schema,
 * keeping the relation's output attributes, so that references already resolved against it still
 * hold. Where the table's schema is not the relation's, the relation is left as it is.
 */
public final class HomiExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    extensions.injectResolutionRule(
        new AbstractFunction1<SparkSession, Rule<LogicalPlan>>() {
          @Override
          public Rule<LogicalPlan> apply(SparkSession session) {
            return new SqlOnPathRule();
          }
        });
    return BoxedUnit.UNIT;
  }

  /** A homi path relation of Spark's V1 route to homi's V2 relation. */
  static final class SqlOnPathRule extends Rule<LogicalPlan> {
    private static final Logger LOG = LoggerFactory.getLogger(SqlOnPathRule.class);

    @Override
    public LogicalPlan apply(LogicalPlan plan) {
      return plan.resolveOperatorsUp(
          new AbstractPartialFunction<LogicalPlan, LogicalPlan>() {
            @Override
            public boolean isDefinedAt(LogicalPlan p) {
              return p instanceof LogicalRelation r
                  && r.catalogTable().isEmpty()
                  && !r.isStreaming()
                  && r.relation() instanceof HadoopFsRelation fs
                  && fs.fileFormat() instanceof HomiDataSource;
            }

            @Override
            public LogicalPlan apply(LogicalPlan p) {
              if (!isDefinedAt(p)) return p;
              LogicalPlan v2 = toV2((LogicalRelation) p);
              return v2 == null ? p : v2;
            }
          });
    }

    /** The V2 relation for {@code r}, or null where homi's table would not have its schema. */
    private static DataSourceV2Relation toV2(LogicalRelation r) {
      HadoopFsRelation fs = (HadoopFsRelation) r.relation();
      Map<String, String> options = new HashMap<>(CollectionConverters.asJava(fs.options()));
      List<String> roots = new ArrayList<>();
      for (org.apache.hadoop.fs.Path p : CollectionConverters.asJava(fs.location().rootPaths()))
        roots.add(p.toString());
      options.remove("path");
      try {
        options.put(
            "paths", new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(roots));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        return null;
      }
      options.put("__globPaths", "false"); // Spark has globbed the path already
      CaseInsensitiveStringMap map = new CaseInsensitiveStringMap(options);
      HomiTable table = new HomiTable(map, fs.schema(), null, null);
      List<AttributeReference> output = CollectionConverters.asJava(r.output());
      StructType schema = table.schema();
      if (!sameColumns(schema, output)) {
        LOG.info(
            "homi: SQL on {} stays on Spark's V1 file scan: homi's schema {} is not {}",
            roots,
            schema.catalogString(),
            fs.schema().catalogString());
        return null;
      }
      return new DataSourceV2Relation(
          table, r.output(), Option.empty(), Option.empty(), map, Option.empty());
    }

    private static boolean sameColumns(StructType schema, List<AttributeReference> output) {
      StructField[] fs = schema.fields();
      if (fs.length != output.size()) return false;
      for (int i = 0; i < fs.length; i++) {
        AttributeReference a = output.get(i);
        if (!fs[i].name().equals(a.name()) || !fs[i].dataType().equals(a.dataType())) return false;
      }
      return true;
    }
  }
}
