// The structs of the Arrow C Data Interface and C Device Data Interface, as arrow/c/abi.h
// defines them (https://arrow.apache.org/docs/format/CDataInterface.html and
// https://arrow.apache.org/docs/format/CDeviceDataInterface.html), for DeviceArrayLayoutTest.
#include <stdint.h>

struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};

struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};

typedef int32_t ArrowDeviceType;
#define ARROW_DEVICE_CUDA 2
#define ARROW_FLAG_NULLABLE 2

struct ArrowDeviceArray {
  struct ArrowArray array;
  int64_t device_id;
  ArrowDeviceType device_type;
  void* sync_event;
  int64_t reserved[3];
};
