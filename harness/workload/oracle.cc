#include "harness/workload/oracle.h"

#include <algorithm>

namespace crashlab::harness {
namespace {

uint64_t Fnv(std::string_view a, std::string_view b, uint64_t tag) {
  uint64_t h = 1469598103934665603ULL ^ (tag * 0x9e3779b97f4a7c15ULL);
  auto feed = [&](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= s.size();
    h *= 1099511628211ULL;
  };
  feed(a);
  feed(b);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

uint64_t KvHash(const std::string& k, const std::string& v) {
  return Fnv(k, v, 1);
}
uint64_t OffsetHash(const std::string& s, uint64_t o) {
  return Fnv(s, std::to_string(o), 2);
}
uint64_t WatermarkHash(uint64_t w) { return Fnv(std::to_string(w), "", 3); }

}  // namespace

uint64_t HashDump(const StateDump& d) {
  uint64_t h = WatermarkHash(d.watermark);
  for (const auto& [k, v] : d.kv) h += KvHash(k, v);
  for (const auto& [s, o] : d.source_offsets) h += OffsetHash(s, o);
  return h;
}

void ApplyOp(const IssuedOp& op, StateDump* d, uint64_t* hash) {
  switch (op.type) {
    case OpType::kPut: {
      auto it = d->kv.find(op.key);
      if (it != d->kv.end()) {
        *hash -= KvHash(op.key, it->second);
        it->second = op.value;
      } else {
        d->kv.emplace(op.key, op.value);
      }
      *hash += KvHash(op.key, op.value);
      break;
    }
    case OpType::kDelete: {
      auto it = d->kv.find(op.key);
      if (it != d->kv.end()) {
        *hash -= KvHash(op.key, it->second);
        d->kv.erase(it);
      }
      break;
    }
    case OpType::kSetOffset: {
      auto it = d->source_offsets.find(op.key);
      if (it != d->source_offsets.end()) {
        *hash -= OffsetHash(op.key, it->second);
        it->second = op.number;
      } else {
        d->source_offsets.emplace(op.key, op.number);
      }
      *hash += OffsetHash(op.key, op.number);
      break;
    }
    case OpType::kSetWatermark:
      *hash -= WatermarkHash(d->watermark);
      d->watermark = op.number;
      *hash += WatermarkHash(d->watermark);
      break;
  }
}

void Session::IndexPrefixes() {
  StateDump d = base;
  uint64_t h = HashDump(d);
  prefix_hash.assign(1, h);
  model_every.assign(1, d);
  for (size_t i = 0; i < ops.size(); ++i) {
    ApplyOp(ops[i], &d, &h);
    prefix_hash.push_back(h);
    if ((i + 1) % kModelStride == 0) model_every.push_back(d);
  }
}

StateDump ModelAfter(const Session& ses, size_t j) {
  j = std::min(j, ses.ops.size());
  // Start from the nearest snapshot at or below j (a hand-built session
  // without snapshots: from base).
  const auto& snaps = ses.model_every;
  size_t k =
      snaps.empty() ? 0 : std::min(j / Session::kModelStride, snaps.size() - 1);
  StateDump d = snaps.empty() ? ses.base : snaps[k];
  uint64_t h = 0;
  for (size_t i = k * Session::kModelStride; i < j; ++i)
    ApplyOp(ses.ops[i], &d, &h);
  return d;
}

StateDump OracleView::ModelAt(size_t j) const {
  if (!session) return {};
  return ModelAfter(*session, j);
}

uint64_t OracleView::HashAt(size_t j) const {
  if (!session) return HashDump({});
  return session->prefix_hash.at(j);
}

std::vector<std::string> OracleView::RetainedAcked() const {
  std::vector<std::string> out;
  for (const auto& id : listed) {
    if (!acked_checkpoints.count(id)) continue;
    if (std::find(listed_next.begin(), listed_next.end(), id) ==
        listed_next.end())
      continue;
    out.push_back(id);
  }
  return out;
}

OracleView Oracle::SessionView(size_t s, uint64_t done) const {
  const Session& ses = sessions_[s];
  OracleView v;
  v.session = &ses;
  for (size_t i = 0; i < s; ++i) {
    if (sessions_[i].open_ok) v.earlier.push_back(&sessions_[i]);
  }
  Lsn acked_lsn = ses.base_lsn;
  for (const auto& a : ses.acks) {
    if (a.at <= done) acked_lsn = std::max(acked_lsn, a.durable_lsn);
  }
  for (const auto& op : ses.ops) {
    if (op.at > done) break;
    ++v.issued;
    if (op.lsn <= acked_lsn) v.acked = v.issued;
  }
  bool have_next = false;
  for (const auto& c : ses.catalogs) {
    if (c.at <= done) {
      v.listed = c.ids;
    } else if (!have_next) {
      v.listed_next = c.ids;
      have_next = true;
    }
  }
  if (!have_next) v.listed_next = v.listed;
  if (!ses.catalogs.empty()) {
    for (const auto& id : ses.catalogs.front().ids) {
      v.acked_checkpoints.insert(id);
      v.acked_at.emplace(id, ses.open_end);
    }
  }
  for (const auto& a : ses.checkpoint_acks) {
    if (a.at > done) continue;
    v.acked_checkpoints.insert(a.id);
    v.acked_at.emplace(a.id, a.at);
  }
  return v;
}

OracleView Oracle::EndView(size_t s) const {
  // A session whose Open failed promised nothing new: the one before it holds.
  while (s > 0 && !sessions_[s].open_ok) --s;
  if (!sessions_[s].open_ok) return OracleView{};
  return SessionView(s, UINT64_MAX);
}

OracleView Oracle::ViewAt(uint64_t crash_point) const {
  uint64_t done = crash_point + 1;
  if (sessions_.empty()) return OracleView{.in_recovery = true};
  size_t s = 0;
  for (size_t i = 0; i < sessions_.size(); ++i) {
    if (sessions_[i].begin <= crash_point) s = i;
  }
  const Session& ses = sessions_[s];
  if (done < ses.open_end || !ses.open_ok) {
    OracleView v = s == 0 ? OracleView{} : EndView(s - 1);
    v.in_recovery = done < ses.open_end;
    return v;
  }
  return SessionView(s, done);
}

}  // namespace crashlab::harness
