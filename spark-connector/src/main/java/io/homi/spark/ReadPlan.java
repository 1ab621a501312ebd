package io.homi.spark;

import io.homi.runtime.stats.StatsPredicate;
import java.io.Serializable;
import org.apache.spark.sql.types.StructType;

/** What every task of a scan does, shipped once with the reader factory: immutable. */
record ReadPlan(
    StructType readSchema,
    StructType dataSchema,
    StructType partitionSchema,
    StatsPredicate pruning,
    HomiOptions options)
    implements Serializable {}
