package io.homi.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The plan rewrite of {@code io.homi.spark.rapids.HomiRapidsExtension}: after RAPIDS' own
 * transitions (Spark runs {@code postColumnarTransitions} in reverse registration order, and RAPIDS
 * registers last), a homi scan RAPIDS left on the CPU sits under {@code HostColumnarToGpu}; that
 * pair becomes the same BatchScanExec over {@link HomiScan#forRapidsBridge()}, whose readers emit
 * RAPIDS GPU columns ({@link RapidsBridgeReader}). The plan is left as it is (arrow output,
 * HostColumnarToGpu) when the bridge cannot be had ({@link RapidsBridge#unavailableReason()}:
 * plugin missing, not 26.08.x, a class or method not as expected), when the scan has a column the
 * bridge does not take, or when the scan sets {@code homi.rapidsBridge=false}; each reason is
 * logged once.
 */
public final class RapidsBridgeRule {
  private static final Logger LOG = LoggerFactory.getLogger(RapidsBridgeRule.class);

  /** RAPIDS' transition that copies host batches to the GPU (spark411/ in the plugin jar). */
  public static final String HOST_COLUMNAR_TO_GPU = "com.nvidia.spark.rapids.HostColumnarToGpu";

  private static final AtomicBoolean UNAVAILABLE_LOGGED = new AtomicBoolean();
  private static final java.util.Set<String> SKIPS_LOGGED =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private RapidsBridgeRule() {}

  /** The rewrite of {@code plan}, with RAPIDS' HostColumnarToGpu as the transition to replace. */
  public static SparkPlan apply(SparkPlan plan) {
    return apply(plan, HOST_COLUMNAR_TO_GPU, true);
  }

  /**
   * The rewrite with {@code transition} (a class name) as the node above a homi scan to replace;
   * {@code checkBridge} false skips the check of the running plugin (tests of the matching on plans
   * of CPU Spark, where no RAPIDS runs).
   */
  static SparkPlan apply(SparkPlan plan, String transition, boolean checkBridge) {
    if (!containsHomiUnder(plan, transition)) return plan;
    if (checkBridge) {
      String why = RapidsBridge.unavailableReason();
      if (why != null) {
        if (UNAVAILABLE_LOGGED.compareAndSet(false, true))
          LOG.warn("homi HomiRapidsExtension: {}", why);
        return plan;
      }
    }
    return rewriteTree(plan, transition);
  }

  /**
   * Bottom-up, as transformUp: a replaced node's tags go to its replacement; unchanged subtrees
   * stay the same objects.
   */
  private static SparkPlan rewriteTree(SparkPlan p, String transition) {
    BatchScanExec scan = bridgeable(p, transition);
    if (scan != null) {
      BatchScanExec out = rewrite(scan);
      out.copyTagsFrom(p);
      return out;
    }
    List<SparkPlan> children = CollectionConverters.asJava(p.children());
    List<SparkPlan> rewritten = new ArrayList<>(children.size());
    boolean changed = false;
    for (SparkPlan c : children) {
      SparkPlan r = rewriteTree(c, transition);
      changed |= r != c;
      rewritten.add(r);
    }
    return changed ? p.withNewChildren(CollectionConverters.asScala(rewritten).toSeq()) : p;
  }

  private static boolean containsHomiUnder(SparkPlan plan, String transition) {
    if (homiUnder(plan, transition) != null) return true;
    for (SparkPlan c : CollectionConverters.asJava(plan.children())) {
      if (containsHomiUnder(c, transition)) return true;
    }
    return false;
  }

  /**
   * The homi BatchScanExec directly under {@code p} when {@code p} is the transition, else null. A
   * scan already bridged counts too: should RAPIDS put a HostColumnarToGpu above it again (a plan
   * re-optimized, as AQE does per stage), that transition goes, since its batches are on the GPU
   * already.
   */
  static BatchScanExec homiUnder(SparkPlan p, String transition) {
    if (!p.getClass().getName().equals(transition) || p.children().size() != 1) return null;
    if (p.children().head() instanceof BatchScanExec b && b.scan() instanceof HomiScan) return b;
    return null;
  }

  /**
   * As {@link #homiUnder}, and only where the bridge takes the scan (logging why not, once per
   * reason).
   */
  static BatchScanExec bridgeable(SparkPlan p, String transition) {
    BatchScanExec b = homiUnder(p, transition);
    if (b == null) return null;
    HomiScan h = (HomiScan) b.scan();
    if (h.isRapidsBridge()) return b;
    String skip =
        !h.options().rapidsBridge()
            ? "homi.rapidsBridge=false"
            : RapidsBridge.unsupported(h.readSchema());
    if (skip != null) {
      if (SKIPS_LOGGED.add(skip))
        LOG.info("homi HomiRapidsExtension: a scan stays on homi.output=arrow: {}", skip);
      return null;
    }
    return b;
  }

  /** The scan over the same files, tasks and filters, emitting RAPIDS GPU batches. */
  static BatchScanExec rewrite(BatchScanExec b) {
    if (((HomiScan) b.scan()).isRapidsBridge()) return b;
    HomiScan bridged = ((HomiScan) b.scan()).forRapidsBridge();
    BatchScanExec out =
        b.copy(b.output(), bridged, b.runtimeFilters(), b.ordering(), b.table(), b.spjParams());
    LOG.info(
        "homi HomiRapidsExtension: {} over {} replaced by the RAPIDS bridge (GPU-decoded columns to RAPIDS)",
        HOST_COLUMNAR_TO_GPU.substring(HOST_COLUMNAR_TO_GPU.lastIndexOf('.') + 1),
        bridged.readSchema().simpleString());
    return out;
  }
}
