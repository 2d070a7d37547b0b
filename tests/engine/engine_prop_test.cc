// Property: a random workload (puts, deletes, offsets, syncs, checkpoints,
// GCs) crashed before a random file-system operation in a random crash mode
// recovers to the model state after some prefix of the issued operations
// that contains every acknowledged one; the newest acknowledged checkpoint
// (or a newer one) survives; recovery is idempotent.
// rapidcheck prints the seed of a failing case (RC_PARAMS="seed=N" replays it).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "engine_test_util.h"

namespace crashlab::engine {
namespace {

using namespace testing;  // NOLINT
using faultfs::SimVfs;

enum class OpKind {
  kPut,
  kDelete,
  kOffset,
  kSync,
  kCheckpoint,
  kFullCheckpoint,
  kGc
};

struct Op {
  OpKind kind;
  int key;
  int value;
};

rc::Gen<Op> GenOp() {
  return rc::gen::apply(
      [](int k, int key, int value) {
        OpKind kind = k < 45   ? OpKind::kPut
                      : k < 60 ? OpKind::kDelete
                      : k < 65 ? OpKind::kOffset
                      : k < 80 ? OpKind::kSync
                      : k < 92 ? OpKind::kCheckpoint
                      : k < 96 ? OpKind::kFullCheckpoint
                               : OpKind::kGc;
        return Op{kind, key, value};
      },
      rc::gen::inRange(0, 100), rc::gen::inRange(0, 12),
      rc::gen::inRange(0, 1000));
}

struct Ack {
  uint64_t op_index;  // vfs op count when the acknowledgement returned
  uint64_t lsn;       // every LSN <= this is acknowledged-durable
  uint64_t epoch;     // newest acknowledged checkpoint epoch
};

RC_GTEST_PROP(EngineProp, RecoversToAcknowledgedPrefix, ()) {
  const size_t n_ops = *rc::gen::inRange<size_t>(1, 40);
  const auto ops = *rc::gen::container<std::vector<Op>>(n_ops, GenOp());
  Options o = TestOptions();
  o.wal_group_size = *rc::gen::inRange<uint32_t>(1, 5);
  o.incremental = *rc::gen::arbitrary<bool>();
  o.max_delta_chain = *rc::gen::inRange<uint32_t>(1, 4);
  o.fallback =
      *rc::gen::element(FallbackPolicy::kNone, FallbackPolicy::kOlderVerified);

  SimVfs vfs;
  auto e = OpenOrDie(vfs, o);
  RC_ASSERT(e != nullptr);
  std::vector<StateDump> model = {
      StateDump{}};  // model[lsn] = state after op lsn
  std::vector<Ack> acks = {{vfs.op_count(), 0, 0}};
  auto points = CaptureCrashPoints(vfs, [&] {
    for (const auto& op : ops) {
      StateDump next = model.back();
      std::string key = "key" + std::to_string(op.key);
      Result<Lsn> lsn = Status::Ok();
      bool writes = true;
      switch (op.kind) {
        case OpKind::kPut:
          next.kv[key] = std::to_string(op.value);
          lsn = e->Put(key, std::to_string(op.value));
          break;
        case OpKind::kDelete:
          next.kv.erase(key);
          lsn = e->Delete(key);
          break;
        case OpKind::kOffset:
          next.source_offsets["src" + std::to_string(op.key % 3)] = op.value;
          lsn =
              e->SetSourceOffset("src" + std::to_string(op.key % 3), op.value);
          break;
        default:
          writes = false;
      }
      if (writes) {
        RC_ASSERT(lsn.ok());
        RC_ASSERT(*lsn == model.size());
        model.push_back(std::move(next));
        if (e->durable_lsn() > acks.back().lsn) {
          acks.push_back({vfs.op_count(), e->durable_lsn(), acks.back().epoch});
        }
        continue;
      }
      if (op.kind == OpKind::kSync) {
        RC_ASSERT(e->Sync().ok());
        acks.push_back({vfs.op_count(), e->last_lsn(), acks.back().epoch});
      } else if (op.kind == OpKind::kGc) {
        RC_ASSERT(e->Gc().ok());
      } else {
        auto r = e->Checkpoint(op.kind == OpKind::kFullCheckpoint
                                   ? CheckpointKind::kFull
                                   : CheckpointKind::kIncremental);
        RC_ASSERT(r.ok());
        RC_ASSERT(r->warnings.empty());
        acks.push_back({vfs.op_count(), r->info.wal_position, r->info.epoch});
      }
    }
  });

  // One random crash point and mode per case, plus the final state.
  // resize(kNominalSize): uniform choices, not biased towards small values.
  const size_t at = *rc::gen::resize(
      rc::kNominalSize, rc::gen::inRange<size_t>(0, points.size()));
  const auto& point = points[at];
  const uint64_t pending = point.state.pending.size();
  const uint64_t seed = *rc::gen::arbitrary<uint32_t>();
  faultfs::CrashMode mode;
  switch (*rc::gen::element(0, 1, 2, 3)) {
    case 0:
      mode = faultfs::CrashMode::Drop();
      break;
    case 1:
      mode = faultfs::CrashMode::Prefix(*rc::gen::resize(
          rc::kNominalSize, rc::gen::inRange<uint64_t>(0, pending + 1)));
      break;
    case 2:
      mode = faultfs::CrashMode::Torn(seed);
      break;
    default:
      mode = faultfs::CrashMode::Random(seed);
      break;
  }
  // The acknowledgement level reached before this operation was issued
  // (the hook ran for trace index `at`, i.e. op_count was `at` ... at+1).
  Ack acked = acks.front();
  for (const auto& a : acks) {
    if (a.op_index <= point.next_op.index || at + 1 == points.size()) acked = a;
  }
  RC_TAG(mode.ToString().substr(0, mode.ToString().find(':')));

  auto post = AfterCrash(point.state, mode);
  RecoveryResult res;
  auto e2 = Engine::Open(*post, "db", o, &res);
  if (!e2.ok()) {
    RC_FAIL("recovery failed at op " + std::to_string(at) + " mode " +
            mode.ToString() + ": " + res.ToText());
  }
  RC_ASSERT(res.last_lsn >= acked.lsn);
  RC_ASSERT(res.last_lsn < model.size());
  RC_ASSERT((*e2)->Dump() == model[res.last_lsn]);
  RC_ASSERT(res.epoch >= acked.epoch);
  RC_ASSERT(!res.fallback_used);
  // Idempotent: recovering again (after that recovery's own writes) gives the
  // same.
  StateDump first = (*e2)->Dump();
  e2->reset();
  RecoveryResult res2;
  auto e3 = Engine::Open(*post, "db", o, &res2);
  RC_ASSERT(e3.ok());
  RC_ASSERT((*e3)->Dump() == first);
  RC_ASSERT(res2.checkpoint_id == res.checkpoint_id);
}

}  // namespace
}  // namespace crashlab::engine
