package io.homi.runtime.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** IoUring's named offsets against the kernel header's structs, laid out by the C compiler. */
class IoUringLayoutTest {
  @Test
  void offsetsMatchLinuxIoUringH() throws Exception {
    assumeTrue(CLayout.compiler() != null, "no C compiler to lay out linux/io_uring.h");
    assumeTrue(
        Files.exists(Path.of("/usr/include/linux/io_uring.h")),
        "no linux/io_uring.h (kernel headers)");
    Map<String, String> expr = new LinkedHashMap<>();
    expr.put("PARAMS_BYTES", "sizeof(struct io_uring_params)");
    expr.put("P_SQ_ENTRIES", "offsetof(struct io_uring_params, sq_entries)");
    expr.put("P_CQ_ENTRIES", "offsetof(struct io_uring_params, cq_entries)");
    expr.put("P_SQ_HEAD", "offsetof(struct io_uring_params, sq_off.head)");
    expr.put("P_SQ_TAIL", "offsetof(struct io_uring_params, sq_off.tail)");
    expr.put("P_SQ_RING_MASK", "offsetof(struct io_uring_params, sq_off.ring_mask)");
    expr.put("P_SQ_ARRAY", "offsetof(struct io_uring_params, sq_off.array)");
    expr.put("P_CQ_HEAD", "offsetof(struct io_uring_params, cq_off.head)");
    expr.put("P_CQ_TAIL", "offsetof(struct io_uring_params, cq_off.tail)");
    expr.put("P_CQ_RING_MASK", "offsetof(struct io_uring_params, cq_off.ring_mask)");
    expr.put("P_CQ_CQES", "offsetof(struct io_uring_params, cq_off.cqes)");
    expr.put("SQE_BYTES", "sizeof(struct io_uring_sqe)");
    expr.put("SQE_OPCODE", "offsetof(struct io_uring_sqe, opcode)");
    expr.put("SQE_FD", "offsetof(struct io_uring_sqe, fd)");
    expr.put("SQE_OFF", "offsetof(struct io_uring_sqe, off)");
    expr.put("SQE_ADDR", "offsetof(struct io_uring_sqe, addr)");
    expr.put("SQE_LEN", "offsetof(struct io_uring_sqe, len)");
    expr.put("SQE_RW_FLAGS", "offsetof(struct io_uring_sqe, rw_flags)");
    expr.put("SQE_USER_DATA", "offsetof(struct io_uring_sqe, user_data)");
    expr.put("CQE_BYTES", "sizeof(struct io_uring_cqe)");
    expr.put("CQE_USER_DATA", "offsetof(struct io_uring_cqe, user_data)");
    expr.put("CQE_RES", "offsetof(struct io_uring_cqe, res)");
    expr.put("IORING_OP_READ", "IORING_OP_READ");
    expr.put("IORING_OP_NOP", "IORING_OP_NOP");
    expr.put("IORING_OFF_CQ_RING", "IORING_OFF_CQ_RING");
    expr.put("IORING_OFF_SQES", "IORING_OFF_SQES");
    Map<String, Long> c = CLayout.of("#include <linux/io_uring.h>", expr);
    Map<String, Long> java = new LinkedHashMap<>();
    java.put("PARAMS_BYTES", (long) IoUring.PARAMS_BYTES);
    java.put("P_SQ_ENTRIES", (long) IoUring.P_SQ_ENTRIES);
    java.put("P_CQ_ENTRIES", (long) IoUring.P_CQ_ENTRIES);
    java.put("P_SQ_HEAD", (long) IoUring.P_SQ_HEAD);
    java.put("P_SQ_TAIL", (long) IoUring.P_SQ_TAIL);
    java.put("P_SQ_RING_MASK", (long) IoUring.P_SQ_RING_MASK);
    java.put("P_SQ_ARRAY", (long) IoUring.P_SQ_ARRAY);
    java.put("P_CQ_HEAD", (long) IoUring.P_CQ_HEAD);
    java.put("P_CQ_TAIL", (long) IoUring.P_CQ_TAIL);
    java.put("P_CQ_RING_MASK", (long) IoUring.P_CQ_RING_MASK);
    java.put("P_CQ_CQES", (long) IoUring.P_CQ_CQES);
    java.put("SQE_BYTES", (long) IoUring.SQE_BYTES);
    java.put("SQE_OPCODE", (long) IoUring.SQE_OPCODE);
    java.put("SQE_FD", (long) IoUring.SQE_FD);
    java.put("SQE_OFF", (long) IoUring.SQE_OFF);
    java.put("SQE_ADDR", (long) IoUring.SQE_ADDR);
    java.put("SQE_LEN", (long) IoUring.SQE_LEN);
    java.put("SQE_RW_FLAGS", (long) IoUring.SQE_RW_FLAGS);
    java.put("SQE_USER_DATA", (long) IoUring.SQE_USER_DATA);
    java.put("CQE_BYTES", (long) IoUring.CQE_BYTES);
    java.put("CQE_USER_DATA", (long) IoUring.CQE_USER_DATA);
    java.put("CQE_RES", (long) IoUring.CQE_RES);
    java.put("IORING_OP_READ", (long) IoUring.IORING_OP_READ);
    java.put("IORING_OP_NOP", (long) IoUring.IORING_OP_NOP);
    java.put("IORING_OFF_CQ_RING", IoUring.IORING_OFF_CQ_RING);
    java.put("IORING_OFF_SQES", IoUring.IORING_OFF_SQES);
    assertThat(java).isEqualTo(c);
  }
}
