#include "harness/scenario/scenario.h"

#include <algorithm>

namespace crashlab::harness {

engine::Options EngineSettings::ToOptions() const {
  engine::Options o = engine::Options::Deterministic();
  o.max_retained = max_retained;
  o.incremental = incremental;
  o.max_delta_chain = max_delta_chain;
  o.partitions = partitions;
  o.wal_group_size = wal_group_size;
  o.wal_segment_bytes = wal_segment_bytes;
  o.gc_after_checkpoint = gc_after_checkpoint;
  o.startup_gc = startup_gc;
  if (auto f = engine::ParseFallbackPolicy(fallback); f.ok()) o.fallback = *f;
  if (auto u = engine::UnsafeModes::Parse(unsafe); u.ok()) o.unsafe = *u;
  return o;
}

std::string_view StepKindName(StepKind kind) {
  switch (kind) {
    case StepKind::kPut:
      return "put";
    case StepKind::kDelete:
      return "delete";
    case StepKind::kCheckpoint:
      return "checkpoint";
    case StepKind::kGc:
      return "gc";
    case StepKind::kSync:
      return "sync";
    case StepKind::kSetOffset:
      return "set_offset";
    case StepKind::kSetWatermark:
      return "set_watermark";
    case StepKind::kRecover:
      return "recover";
    case StepKind::kCrash:
      return "crash";
    case StepKind::kInject:
      return "inject";
    case StepKind::kClear:
      return "clear";
    case StepKind::kExec:
      return "exec";
    case StepKind::kCheck:
      return "check";
  }
  return "?";
}

bool Scenario::has_exec() const {
  return std::any_of(workload.begin(), workload.end(), [](const Step& s) {
    return s.kind == StepKind::kExec || s.kind == StepKind::kCheck;
  });
}

}  // namespace crashlab::harness
