// Fuzz target: `ckpt load FILE` input (JSON lines of put/del/offset/
// watermark). Either every line is an operation or the error names
// FILE:LINE:COLUMN within the text.
#include "engine/ckpt/load_file.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace crashlab;  // NOLINT
  std::string text(fuzz::AsText(data, size));
  auto ops = engine::ckpt::ParseLoadFile(text, "load.jsonl");
  if (!ops.ok()) {
    FUZZ_CHECK(ops.status().path().starts_with("load.jsonl:"));
  }
  return 0;
}
