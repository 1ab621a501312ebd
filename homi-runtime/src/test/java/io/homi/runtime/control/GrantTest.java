package io.homi.runtime.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.homi.runtime.mediator.Namespace;
import io.homi.runtime.mediator.NamespaceTable;
import io.homi.runtime.os.OpenFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** Grants over real files, and their revocation when the file changes. */
class GrantTest {
  private static final int B = TestFiles.BLOCK;

  @Test
  void allowsExactlyTheFilesBlocks() throws Exception {
    Path dir = TestFiles.deviceDir("grant");
    Path p = dir.resolve("f");
    for (int i = 0; i < 8; i++)
      TestFiles.writeAt(p, 2L * i * B, TestFiles.random(B, i)); // 8 extents, holes between
    try (OpenFile f = OpenFile.open(p)) {
      Grant g = Grant.issue(ExtentMapper.map(f, true));
      int perFsBlock = B / g.device().logicalBlockSize();
      for (Extent e : g.extentMap().extents()) {
        if (e.use() != ExtentUse.DEVICE) continue;
        assertThat(g.allows(e.lba(), e.lbaCount())).isTrue();
        assertThat(g.allows(e.lba() + e.lbaCount() - 1, 1)).isTrue();
      }
      for (LbaRange r : g.ranges()) {
        assertThat(g.allows(r.start(), r.count() + 1)).as("one block past %s", r).isFalse();
        assertThat(g.allows(r.start() - 1, 1)).as("one block before %s", r).isFalse();
      }
      assertThat(g.ranges().stream().mapToLong(LbaRange::count).sum()).isEqualTo(8L * perFsBlock);
      assertThat(g.allows(-1, 1)).isFalse();
      assertThat(g.allows(0, 0)).isFalse();
      assertThat(g.allows(Long.MAX_VALUE, 2)).isFalse();
    }
  }

  @Test
  void revocationIsOneWayAndTellsEachListenerOnce() throws Exception {
    Path p = TestFiles.deviceDir("revoke").resolve("f");
    TestFiles.writeAt(p, 0, TestFiles.random(B, 1));
    try (OpenFile f = OpenFile.open(p)) {
      Grant g = Grant.issue(ExtentMapper.map(f, true));
      LbaRange r = g.ranges().get(0);
      List<String> heard = new ArrayList<>();
      g.onRevoke(heard::add);
      g.revoke("first");
      g.revoke("second");
      g.onRevoke(heard::add); // late listener hears at once
      assertThat(heard).containsExactly("first", "first");
      assertThat(g.allows(r.start(), 1)).isFalse();
      assertThat(g.revokedReason()).isEqualTo("first");
    }
  }

  @Test
  void appendingAfterMappingRevokesTheGrantTheNamespaceAndTheCachedMap() throws Exception {
    Path p = TestFiles.deviceDir("append").resolve("f");
    TestFiles.writeAt(p, 0, TestFiles.random(3 * B, 1));
    try (ControlPlane cp = new ControlPlane();
        OpenFile f = OpenFile.open(p)) {
      assertThat(cp.watcherReason()).isNull();
      Grant g = cp.grant(f);
      Namespace ns = new NamespaceTable().attach(f);
      g.onRevoke(ns::revoke);
      assertThat(cp.cache().contains(f.identity())).isTrue();
      assertThat(g.isRevoked()).isFalse();

      Files.write(p, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);

      // The grant's flag is set first, then its listeners run (the namespace, the cached map): wait
      // for all.
      waitFor(() -> g.isRevoked() && ns.isRevoked() && !cp.cache().contains(f.identity()));
      assertThat(g.revokedReason()).contains("inotify").contains("IN_MODIFY");
    }
  }

  @Test
  void replacingTheFileByRenameRevokesIt() throws Exception {
    Path dir = TestFiles.deviceDir("rename");
    Path p = dir.resolve("f");
    Path other = dir.resolve("g");
    TestFiles.writeAt(p, 0, TestFiles.random(B, 1));
    TestFiles.writeAt(other, 0, TestFiles.random(B, 2));
    try (ControlPlane cp = new ControlPlane();
        OpenFile f = OpenFile.open(p)) {
      Grant g = cp.grant(f);
      Files.move(other, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      waitFor(g::isRevoked); // the old inode lost its link: IN_ATTRIB
      assertThat(g.revokedReason()).contains("inotify");
    }
  }

  @Test
  void identityRecheckCatchesAChangeEvenWithoutAWatcher() throws Exception {
    Path p = TestFiles.deviceDir("recheck").resolve("f");
    TestFiles.writeAt(p, 0, TestFiles.random(2 * B, 1));
    try (OpenFile f = OpenFile.open(p)) {
      Grant g = Grant.issue(ExtentMapper.map(f, true));
      assertThat(g.recheck(f)).isNull();
      try (var ch = java.nio.channels.FileChannel.open(p, StandardOpenOption.WRITE)) {
        ch.truncate(B);
      }
      assertThat(g.recheck(f))
          .contains("changed since its extents were mapped")
          .contains("size " + 2 * B + " -> " + B);
      assertThat(g.isRevoked()).isTrue();
    }
  }

  @Test
  void aGrantIsNotIssuedForAFileThatChangedSinceItWasOpened() throws Exception {
    Path p = TestFiles.deviceDir("stale").resolve("f");
    TestFiles.writeAt(p, 0, TestFiles.random(B, 1));
    try (ControlPlane cp = new ControlPlane();
        OpenFile f = OpenFile.open(p)) {
      Files.write(p, new byte[] {9}, StandardOpenOption.APPEND);
      assertThatThrownBy(() -> cp.grant(f))
          .isInstanceOf(IOException.class)
          .hasMessageContaining(p.getFileName().toString());
    }
  }

  static void waitFor(BooleanSupplier cond) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!cond.getAsBoolean() && System.nanoTime() < deadline) Thread.sleep(10);
    assertThat(cond.getAsBoolean()).as("condition within 5 s").isTrue();
  }
}
