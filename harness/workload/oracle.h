#pragma once
// The oracle: what the workload asked of the engine and what the engine
// promised, recorded outside the faulty file system. Op indices are trace
// indices; an event "at" N happened once N operations were done, so it
// precedes a crash right after op P when N <= P + 1.
//
// A session is one engine lifetime (Open .. the next recover or the end).
// Its model is `base` (the state its Open recovered, checked at that point)
// followed by the issued operations in LSN order.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace crashlab::harness {

using engine::Lsn;
using engine::StateDump;

enum class OpType { kPut, kDelete, kSetOffset, kSetWatermark };

struct IssuedOp {
  Lsn lsn = 0;
  OpType type = OpType::kPut;
  std::string key;      // key, or source for set_offset
  std::string value;    // put
  uint64_t number = 0;  // offset or watermark
  uint64_t at = 0;      // ops done when the call began
  size_t step = 0;
};

struct AckEvent {
  uint64_t at = 0;  // ops done when the call returned
  Lsn durable_lsn = 0;
};

// checkpoints() as the caller saw it after a call returned.
struct CatalogEvent {
  uint64_t at = 0;
  std::vector<std::string> ids;
};

struct CheckpointAck {
  uint64_t at = 0;
  std::string id;
};

struct Session {
  uint64_t begin = 0;     // index of the first op of its Open
  uint64_t open_end = 0;  // ops done when Open returned
  bool open_ok = false;
  StateDump base;
  Lsn base_lsn = 0;
  // Set when Open served a state (Dump()) no allowed prefix of the session
  // before explains: base is then the model the caller was owed.
  std::string base_note;
  std::vector<IssuedOp> ops;  // LSN order
  std::vector<AckEvent> acks;
  std::vector<CatalogEvent> catalogs;  // the first: right after Open
  std::vector<CheckpointAck> checkpoint_acks;
  std::vector<uint64_t>
      prefix_hash;  // HashDump(model after j ops), j = 0..ops.size()
  // The model after every kModelStride-th op (k * kModelStride ops), so that
  // the model after any prefix costs one copy and fewer than kModelStride ops.
  static constexpr size_t kModelStride = 32;
  std::vector<StateDump> model_every;

  // Fills prefix_hash and model_every from base and ops.
  void IndexPrefixes();
};

// What the oracle says about one crash point.
struct OracleView {
  const Session* session = nullptr;  // null: before the first Open finished
  size_t issued = 0;         // ops of the session issued before the crash
  size_t acked = 0;          // of those, the acknowledged prefix length
  bool in_recovery = false;  // the crash hit an Open of the workload
  std::vector<std::string> listed;  // checkpoints() last seen by the caller
  std::vector<std::string>
      listed_next;  // ... after the call in progress returned
  std::set<std::string>
      acked_checkpoints;  // Checkpoint() returned ok, or recovered
  // The same ids, each with the op count when it was acknowledged (Open's
  // end for a recovered one).
  std::map<std::string, uint64_t> acked_at;
  // The sessions before `session` whose Open succeeded, oldest first. After a
  // damaging fault the durable state may be older than what a later Open
  // served (damage destroys durable data), so it may equal one of their models.
  std::vector<const Session*> earlier;

  // Model after the first j ops of the session.
  StateDump ModelAt(size_t j) const;
  // Hash of the model after j ops.
  uint64_t HashAt(size_t j) const;
  // Acknowledged checkpoints the caller still sees, not being removed.
  std::vector<std::string> RetainedAcked() const;
};

class Oracle {
 public:
  std::vector<Session>& sessions() { return sessions_; }
  const std::vector<Session>& sessions() const { return sessions_; }
  // The view for a crash right after op `crash_point`.
  OracleView ViewAt(uint64_t crash_point) const;

 private:
  OracleView EndView(size_t s) const;
  OracleView SessionView(size_t s, uint64_t done) const;
  std::vector<Session> sessions_;
};

// The model of `ses` after its first j operations (j clamped to its ops).
StateDump ModelAfter(const Session& ses, size_t j);

// Order-independent hash of a state.
uint64_t HashDump(const StateDump& d);
// Applies one operation to a model state, keeping `hash` (HashDump) current.
void ApplyOp(const IssuedOp& op, StateDump* d, uint64_t* hash);

}  // namespace crashlab::harness
