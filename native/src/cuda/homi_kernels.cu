// HOMI device code, one translation unit so the runtime loads a single module.
// Kernels are extern "C" so the host finds them by name with cuModuleGetFunction.
#include <cstdint>

// Sums bytes of a buffer into per-block partial sums (then on the host): the GPU-side
// checksum that proves bytes landed in device memory intact.
extern "C" __global__ void homi_checksum_bytes(const uint8_t* data, uint64_t n,
                                               unsigned long long* out) {
  uint64_t sum = 0;
  for (uint64_t i = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x; i < n;
       i += (uint64_t)gridDim.x * blockDim.x) {
    // weight by position so swapped bytes change the result
    sum += (uint64_t)data[i] * ((i % 251) + 1);
  }
  atomicAdd(out, (unsigned long long)sum);
}
