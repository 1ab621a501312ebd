package io.homi.spark.rapids;

import io.homi.spark.RapidsBridgeRule;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.execution.ColumnarRule;
import org.apache.spark.sql.execution.SparkPlan;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * {@code spark.sql.extensions=io.homi.spark.rapids.HomiRapidsExtension}: with the RAPIDS
 * Accelerator, homi scans decode on the GPU and hand their columns to RAPIDS as GPU columns instead
 * of going through RAPIDS' {@code HostColumnarToGpu} ({@link RapidsBridgeRule}). Off unless
 * configured; without the plugin, or with a plugin other than 26.08.x, it changes nothing (one log
 * line says why).
 */
public final class HomiRapidsExtension
    extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    extensions.injectColumnar(
        new AbstractFunction1<SparkSession, ColumnarRule>() {
          @Override
          public ColumnarRule apply(SparkSession session) {
            return new BridgeColumnarRule();
          }
        });
    return BoxedUnit.UNIT;
  }

  /**
   * Runs after RAPIDS' own post-transition rules (Spark applies them in reverse registration
   * order).
   */
  static final class BridgeColumnarRule extends ColumnarRule {
    @Override
    public Rule<SparkPlan> postColumnarTransitions() {
      return new Rule<SparkPlan>() {
        @Override
        public SparkPlan apply(SparkPlan plan) {
          return RapidsBridgeRule.apply(plan);
        }
      };
    }
  }
}
