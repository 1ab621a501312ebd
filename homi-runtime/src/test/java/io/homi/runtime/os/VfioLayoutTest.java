package io.homi.runtime.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The VFIO and NVMe admin passthrough ioctls, structs and offsets that {@link Vfio} and {@link
 * NvmeAdmin} use, against {@code linux/vfio.h} and {@code linux/nvme_ioctl.h} as the C compiler
 * lays them out: a wrong number here would send the kernel a wrong request.
 */
class VfioLayoutTest {
  @Test
  void vfioConstantsMatchLinuxVfioH() throws Exception {
    assumeTrue(CLayout.compiler() != null, "no C compiler to lay out linux/vfio.h");
    assumeTrue(Files.exists(Path.of("/usr/include/linux/vfio.h")), "no linux/vfio.h");
    Map<String, String> expr = new LinkedHashMap<>();
    Map<String, Long> java = new LinkedHashMap<>();
    expr.put("VFIO_GET_API_VERSION", "VFIO_GET_API_VERSION");
    java.put("VFIO_GET_API_VERSION", (long) Vfio.VFIO_GET_API_VERSION);
    expr.put("VFIO_CHECK_EXTENSION", "VFIO_CHECK_EXTENSION");
    java.put("VFIO_CHECK_EXTENSION", (long) Vfio.VFIO_CHECK_EXTENSION);
    expr.put("VFIO_SET_IOMMU", "VFIO_SET_IOMMU");
    java.put("VFIO_SET_IOMMU", (long) Vfio.VFIO_SET_IOMMU);
    expr.put("VFIO_GROUP_GET_STATUS", "VFIO_GROUP_GET_STATUS");
    java.put("VFIO_GROUP_GET_STATUS", (long) Vfio.VFIO_GROUP_GET_STATUS);
    expr.put("VFIO_GROUP_SET_CONTAINER", "VFIO_GROUP_SET_CONTAINER");
    java.put("VFIO_GROUP_SET_CONTAINER", (long) Vfio.VFIO_GROUP_SET_CONTAINER);
    expr.put("VFIO_GROUP_GET_DEVICE_FD", "VFIO_GROUP_GET_DEVICE_FD");
    java.put("VFIO_GROUP_GET_DEVICE_FD", (long) Vfio.VFIO_GROUP_GET_DEVICE_FD);
    expr.put("VFIO_DEVICE_GET_REGION_INFO", "VFIO_DEVICE_GET_REGION_INFO");
    java.put("VFIO_DEVICE_GET_REGION_INFO", (long) Vfio.VFIO_DEVICE_GET_REGION_INFO);
    expr.put("VFIO_IOMMU_MAP_DMA", "VFIO_IOMMU_MAP_DMA");
    java.put("VFIO_IOMMU_MAP_DMA", (long) Vfio.VFIO_IOMMU_MAP_DMA);
    expr.put("VFIO_IOMMU_UNMAP_DMA", "VFIO_IOMMU_UNMAP_DMA");
    java.put("VFIO_IOMMU_UNMAP_DMA", (long) Vfio.VFIO_IOMMU_UNMAP_DMA);
    expr.put("VFIO_API_VERSION", "VFIO_API_VERSION");
    java.put("VFIO_API_VERSION", (long) Vfio.VFIO_API_VERSION);
    expr.put("VFIO_TYPE1_IOMMU", "VFIO_TYPE1_IOMMU");
    java.put("VFIO_TYPE1_IOMMU", (long) Vfio.VFIO_TYPE1_IOMMU);
    expr.put("VFIO_TYPE1v2_IOMMU", "VFIO_TYPE1v2_IOMMU");
    java.put("VFIO_TYPE1v2_IOMMU", (long) Vfio.VFIO_TYPE1V2_IOMMU);
    expr.put("VFIO_GROUP_FLAGS_VIABLE", "VFIO_GROUP_FLAGS_VIABLE");
    java.put("VFIO_GROUP_FLAGS_VIABLE", (long) Vfio.VFIO_GROUP_FLAGS_VIABLE);
    expr.put("BAR0", "VFIO_PCI_BAR0_REGION_INDEX");
    java.put("BAR0", (long) Vfio.VFIO_PCI_BAR0_REGION_INDEX);
    expr.put("CONFIG", "VFIO_PCI_CONFIG_REGION_INDEX");
    java.put("CONFIG", (long) Vfio.VFIO_PCI_CONFIG_REGION_INDEX);
    expr.put("DMA_READ", "VFIO_DMA_MAP_FLAG_READ");
    java.put("DMA_READ", (long) Vfio.VFIO_DMA_MAP_FLAG_READ);
    expr.put("DMA_WRITE", "VFIO_DMA_MAP_FLAG_WRITE");
    java.put("DMA_WRITE", (long) Vfio.VFIO_DMA_MAP_FLAG_WRITE);
    expr.put("GS_BYTES", "sizeof(struct vfio_group_status)");
    java.put("GS_BYTES", (long) Vfio.GROUP_STATUS_BYTES);
    expr.put("GS_FLAGS", "offsetof(struct vfio_group_status, flags)");
    java.put("GS_FLAGS", (long) Vfio.GS_FLAGS);
    expr.put("RI_BYTES", "sizeof(struct vfio_region_info)");
    java.put("RI_BYTES", (long) Vfio.REGION_INFO_BYTES);
    expr.put("RI_INDEX", "offsetof(struct vfio_region_info, index)");
    java.put("RI_INDEX", (long) Vfio.RI_INDEX);
    expr.put("RI_SIZE", "offsetof(struct vfio_region_info, size)");
    java.put("RI_SIZE", (long) Vfio.RI_SIZE);
    expr.put("RI_OFFSET", "offsetof(struct vfio_region_info, offset)");
    java.put("RI_OFFSET", (long) Vfio.RI_OFFSET);
    expr.put("DM_BYTES", "sizeof(struct vfio_iommu_type1_dma_map)");
    java.put("DM_BYTES", (long) Vfio.DMA_MAP_BYTES);
    expr.put("DM_FLAGS", "offsetof(struct vfio_iommu_type1_dma_map, flags)");
    java.put("DM_FLAGS", (long) Vfio.DM_FLAGS);
    expr.put("DM_VADDR", "offsetof(struct vfio_iommu_type1_dma_map, vaddr)");
    java.put("DM_VADDR", (long) Vfio.DM_VADDR);
    expr.put("DM_IOVA", "offsetof(struct vfio_iommu_type1_dma_map, iova)");
    java.put("DM_IOVA", (long) Vfio.DM_IOVA);
    expr.put("DM_SIZE", "offsetof(struct vfio_iommu_type1_dma_map, size)");
    java.put("DM_SIZE", (long) Vfio.DM_SIZE);
    expr.put("DU_BYTES", "offsetof(struct vfio_iommu_type1_dma_unmap, size) + 8");
    java.put("DU_BYTES", (long) Vfio.DMA_UNMAP_BYTES);
    expr.put("DU_IOVA", "offsetof(struct vfio_iommu_type1_dma_unmap, iova)");
    java.put("DU_IOVA", (long) Vfio.DU_IOVA);
    expr.put("DU_SIZE", "offsetof(struct vfio_iommu_type1_dma_unmap, size)");
    java.put("DU_SIZE", (long) Vfio.DU_SIZE);
    assertThat(java).isEqualTo(CLayout.of("#include <sys/ioctl.h>\n#include <linux/vfio.h>", expr));
  }

  @Test
  void adminPassthroughMatchesLinuxNvmeIoctlH() throws Exception {
    assumeTrue(CLayout.compiler() != null, "no C compiler to lay out linux/nvme_ioctl.h");
    assumeTrue(Files.exists(Path.of("/usr/include/linux/nvme_ioctl.h")), "no linux/nvme_ioctl.h");
    Map<String, String> expr = new LinkedHashMap<>();
    Map<String, Long> java = new LinkedHashMap<>();
    expr.put("IOCTL", "NVME_IOCTL_ADMIN_CMD");
    java.put("IOCTL", NvmeAdmin.NVME_IOCTL_ADMIN_CMD);
    expr.put("BYTES", "sizeof(struct nvme_passthru_cmd)");
    java.put("BYTES", (long) NvmeAdmin.CMD_BYTES);
    expr.put("NSID", "offsetof(struct nvme_passthru_cmd, nsid)");
    java.put("NSID", (long) NvmeAdmin.NSID);
    expr.put("ADDR", "offsetof(struct nvme_passthru_cmd, addr)");
    java.put("ADDR", (long) NvmeAdmin.ADDR);
    expr.put("DATA_LEN", "offsetof(struct nvme_passthru_cmd, data_len)");
    java.put("DATA_LEN", (long) NvmeAdmin.DATA_LEN);
    expr.put("CDW10", "offsetof(struct nvme_passthru_cmd, cdw10)");
    java.put("CDW10", (long) NvmeAdmin.CDW10);
    expr.put("CDW11", "offsetof(struct nvme_passthru_cmd, cdw11)");
    java.put("CDW11", (long) NvmeAdmin.CDW11);
    expr.put("TIMEOUT", "offsetof(struct nvme_passthru_cmd, timeout_ms)");
    java.put("TIMEOUT", (long) NvmeAdmin.TIMEOUT_MS);
    expr.put("RESULT", "offsetof(struct nvme_passthru_cmd, result)");
    java.put("RESULT", (long) NvmeAdmin.RESULT);
    assertThat(java)
        .isEqualTo(
            CLayout.of(
                "#include <sys/ioctl.h>\n#include <linux/types.h>\n#include <linux/nvme_ioctl.h>",
                expr));
  }
}
