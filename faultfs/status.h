#pragma once
// faultfs's names for the common error values (common/status.h): the engine
// and the harness write faultfs::Status, as the Vfs returns it. One type, not
// a second one.

#include "common/status.h"

namespace crashlab::faultfs {

using ::crashlab::ErrnoFromName;
using ::crashlab::ErrnoName;
using ::crashlab::Result;
using ::crashlab::Status;

}  // namespace crashlab::faultfs
