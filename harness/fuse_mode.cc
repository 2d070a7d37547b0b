#include "harness/fuse_mode.h"

namespace crashlab::harness {

FuseSupport CheckFuseSupport() {
  return FuseSupport{.available = false,
                     .reason = "fuse mode is not yet available in this build of crashlab; "
                               "run with --mode sim"};
}

}  // namespace crashlab::harness
