#pragma once
// Hook for the fuse mode (the next issue): `crashlab run --mode fuse|all`
// asks here whether it can run. Until fuse mode exists this says no, and the
// run exits 3 with the reason.

#include <string>

namespace crashlab::harness {

struct FuseSupport {
  bool available = false;
  std::string reason;  // what to do when not available
};

FuseSupport CheckFuseSupport();

}  // namespace crashlab::harness
