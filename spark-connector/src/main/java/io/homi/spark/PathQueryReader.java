package io.homi.spark;

import io.homi.runtime.stats.StatsPredicate;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.expressions.filter.Predicate;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import scala.collection.AbstractIterator;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * SQL directly on files (``SELECT * FROM homi.`/dir` ``): Spark resolves such a query only for a V1
 * {@code FileFormat} source and scans it with its own file scan (FileScanRDD), which then does the
 * listing, splits, {@code input_file_name()} and the file options. Each file split it hands over is
 * read here by the same {@link FileSplitReader} as the V2 scan, into the same columnar batches;
 * filters prune row groups and pages as there.
 */
final class PathQueryReader extends AbstractFunction1<PartitionedFile, Iterator<InternalRow>>
    implements Serializable {
  private final ReadPlan plan;

  private PathQueryReader(ReadPlan plan) {
    this.plan = plan;
  }

  static StructType inferSchema(
      scala.collection.immutable.Map<String, String> options, List<FileStatus> files) {
    CaseInsensitiveStringMap o = new CaseInsensitiveStringMap(CollectionConverters.asJava(options));
    List<java.nio.file.Path> paths = new ArrayList<>();
    for (FileStatus f : files) {
      if (f.getLen() > 0) paths.add(HomiFileIndex.local(f.getPath()));
    }
    return TableSchemas.inferData(paths, o, HomiOptions.from(o));
  }

  static PathQueryReader create(
      StructType dataSchema,
      StructType partitionSchema,
      StructType requiredSchema,
      scala.collection.immutable.Seq<Filter> filters,
      scala.collection.immutable.Map<String, String> options) {
    CaseInsensitiveStringMap o = new CaseInsensitiveStringMap(CollectionConverters.asJava(options));
    List<StructField> read = new ArrayList<>(List.of(requiredSchema.fields()));
    read.addAll(List.of(partitionSchema.fields()));
    StructType full = TableSchemas.full(dataSchema, partitionSchema);
    StatsPredicate pruning = StatsPredicate.TRUE;
    for (Filter f : CollectionConverters.asJava(filters)) {
      Predicate p = f.toV2();
      StatsPredicate s = HomiPredicates.translate(p, full);
      if (s != null)
        pruning = pruning == StatsPredicate.TRUE ? s : new StatsPredicate.And(pruning, s);
    }
    return new PathQueryReader(
        new ReadPlan(
            new StructType(read.toArray(new StructField[0])),
            dataSchema,
            partitionSchema,
            pruning,
            HomiOptions.from(o)));
  }

  @SuppressWarnings("unchecked")
  @Override
  public Iterator<InternalRow> apply(PartitionedFile f) {
    HomiInputPartition.Split split =
        new HomiInputPartition.Split(
            HomiFileIndex.local(f.toPath()).toString(),
            f.start(),
            f.length(),
            f.fileSize(),
            f.modificationTime(),
            f.partitionValues().copy(),
            f.urlEncodedPath());
    SparkSettings
        .handSparkConfToRuntime(); // this executor's per-JVM settings, before its runtime starts
    FileSplitReader reader = new FileSplitReader(split, plan, new HomiMetrics.Task());
    java.util.concurrent.atomic.AtomicBoolean closed =
        new java.util.concurrent.atomic.AtomicBoolean();
    Runnable close =
        () -> {
          if (closed.compareAndSet(false, true)) reader.close();
        };
    TaskContext ctx = TaskContext.get();
    if (ctx != null)
      ctx.addTaskCompletionListener(
          new org.apache.spark.util.TaskCompletionListener() {
            @Override
            public void onTaskCompletion(TaskContext context) {
              close.run();
            }
          });
    // FileScanRDD hands columnar batches on as rows of the iterator (supportBatch).
    Object batches =
        new AbstractIterator<Object>() {
          private ColumnarBatch next;
          private boolean done;

          @Override
          public boolean hasNext() {
            if (next == null && !done) {
              try {
                next = reader.next();
              } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
              }
              if (next == null) {
                done = true;
                close.run();
              }
            }
            return next != null;
          }

          @Override
          public Object next() {
            if (!hasNext()) throw new java.util.NoSuchElementException();
            ColumnarBatch b = next;
            next = null;
            return b;
          }
        };
    return (Iterator<InternalRow>) batches;
  }
}
