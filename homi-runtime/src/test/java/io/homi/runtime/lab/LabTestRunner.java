package io.homi.runtime.lab;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.ClassSelector;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs test classes where Maven cannot: inside the NVMe lab's QEMU guest (lab/nvme), from the
 * compiled test classes and the module's test classpath. Prints one line per test and the
 * JUnit-style summary the lab's host script looks for: {@code LAB SUMMARY: N passed, N failed, N
 * skipped}. Exit status 0 only when nothing failed and something passed. usage: LabTestRunner
 * fully.qualified.TestClass...
 */
public final class LabTestRunner {
  private LabTestRunner() {}

  public static void main(String[] args) {
    PrintStream out = System.out;
    List<ClassSelector> classes = new ArrayList<>();
    for (String a : args) classes.add(selectClass(a));
    LauncherDiscoveryRequest request =
        LauncherDiscoveryRequestBuilder.request().selectors(classes).build();
    AtomicInteger passed = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger skipped = new AtomicInteger();
    Launcher launcher = LauncherFactory.create();
    launcher.execute(
        request,
        new TestExecutionListener() {
          private final java.util.Map<String, Long> started =
              new java.util.concurrent.ConcurrentHashMap<>();

          @Override
          public void executionStarted(TestIdentifier id) {
            started.put(id.getUniqueId(), System.nanoTime());
          }

          @Override
          public void executionSkipped(TestIdentifier id, String reason) {
            if (!id.isTest()) return;
            skipped.incrementAndGet();
            out.println("LAB TEST SKIPPED " + name(id) + ": " + reason);
          }

          @Override
          public void executionFinished(TestIdentifier id, TestExecutionResult r) {
            long ms =
                (System.nanoTime() - started.getOrDefault(id.getUniqueId(), System.nanoTime()))
                    / 1_000_000;
            Throwable t = r.getThrowable().orElse(null);
            if (!id.isTest()) {
              // A failing class (its @BeforeAll, or a class that does not load) fails the run.
              if (r.getStatus() == TestExecutionResult.Status.FAILED) {
                failed.incrementAndGet();
                out.println("LAB TEST FAILED " + id.getDisplayName() + ": " + t);
                if (t != null) t.printStackTrace(out);
              }
              return;
            }
            switch (r.getStatus()) {
              case SUCCESSFUL -> {
                passed.incrementAndGet();
                out.println("LAB TEST PASSED " + name(id) + " (" + ms + " ms)");
              }
              case ABORTED -> {
                skipped.incrementAndGet();
                out.println(
                    "LAB TEST SKIPPED "
                        + name(id)
                        + ": "
                        + (t == null ? "aborted" : t.getMessage()));
              }
              case FAILED -> {
                failed.incrementAndGet();
                out.println("LAB TEST FAILED " + name(id) + " (" + ms + " ms): " + t);
                if (t != null) t.printStackTrace(out);
              }
            }
          }
        });
    out.println(
        "LAB SUMMARY: " + passed + " passed, " + failed + " failed, " + skipped + " skipped");
    out.flush();
    System.exit(failed.get() == 0 && passed.get() > 0 ? 0 : 1);
  }

  private static String name(TestIdentifier id) {
    String u = id.getUniqueId();
    int c = u.indexOf("[class:");
    String cls = c < 0 ? "" : u.substring(c + 7, u.indexOf(']', c));
    return cls.substring(cls.lastIndexOf('.') + 1) + "." + id.getDisplayName();
  }
}
