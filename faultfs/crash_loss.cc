#include "faultfs/crash_loss.h"

#include <algorithm>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

namespace crashlab::faultfs {
namespace {

using nlohmann::json;

class Namer {
 public:
  explicit Namer(const SimState& s)
      : state_(s), vis_(PathIndex(s.visible)), dur_(PathIndex(s.durable)) {}

  bool Visible(Ino ino) const { return vis_.count(ino) != 0; }
  bool HasDurableName(Ino ino) const { return dur_.count(ino) != 0; }
  std::string Path(Ino ino) const {
    if (auto it = vis_.find(ino); it != vis_.end()) return it->second;
    if (auto it = dur_.find(ino); it != dur_.end()) return it->second;
    return "<inode " + std::to_string(ino) + ">";
  }
  // A directory for people: "." for the root.
  std::string Dir(Ino ino) const {
    std::string p = Path(ino);
    return p.empty() ? "." : p;
  }
  std::string Entry(Ino dir, const std::string& name) const {
    std::string d = Path(dir);
    return d.empty() ? name : d + "/" + name;
  }
  FileType Type(Ino ino, FileType fallback) const {
    if (const Node* n = state_.visible.Find(ino)) return n->type;
    if (const Node* n = state_.durable.Find(ino)) return n->type;
    return fallback;
  }

 private:
  const SimState& state_;
  std::map<Ino, std::string> vis_, dur_;
};

std::string NamespaceOpName(const PendingOp& op, const Namer& names,
                            std::set<Ino>& linked) {
  using K = PendingOp::Kind;
  switch (op.kind) {
    case K::kLinkEntry: {
      // The first link of a node without a durable name made it (an
      // fsync'd file's data may be durable before any of its names).
      bool made = !names.HasDurableName(op.ino) && linked.insert(op.ino).second;
      if (!made) return "link";
      switch (op.new_type) {
        case FileType::kDirectory:
          return "mkdir";
        case FileType::kSymlink:
          return "symlink";
        default:
          return "create";
      }
    }
    case K::kUnlinkEntry:
      return names.Type(op.ino, FileType::kRegular) == FileType::kDirectory
                 ? "rmdir"
                 : "unlink";
    case K::kRename:
      return "rename";
    default:
      return "?";
  }
}

std::vector<ByteRange> Union(std::vector<std::pair<uint64_t, uint64_t>> r) {
  std::sort(r.begin(), r.end());
  std::vector<ByteRange> out;
  for (const auto& [off, len] : r) {
    if (len == 0) continue;
    if (!out.empty() && off <= out.back().offset + out.back().length) {
      uint64_t end = std::max(out.back().offset + out.back().length, off + len);
      out.back().length = end - out.back().offset;
    } else {
      out.push_back({off, len});
    }
  }
  return out;
}

}  // namespace

std::map<Ino, std::string> PathIndex(const Image& image) {
  std::map<Ino, std::string> out{{kRootIno, ""}};
  std::deque<Ino> queue{kRootIno};
  while (!queue.empty()) {
    Ino ino = queue.front();
    queue.pop_front();
    const Node* node = image.Find(ino);
    if (node == nullptr || node->type != FileType::kDirectory) continue;
    for (const auto& [name, child] : node->entries) {
      if (out.count(child) != 0) continue;
      out[child] = out[ino].empty() ? name : out[ino] + "/" + name;
      queue.push_back(child);
    }
  }
  return out;
}

CrashLoss ExplainCrash(const SimState& state, const CrashMode& mode) {
  std::vector<PendingFate> fates;
  state.PostCrash(mode, &fates);
  return ExplainCrash(state, mode, fates);
}

CrashLoss ExplainCrash(const SimState& state, const CrashMode& mode,
                       const std::vector<PendingFate>& fates) {
  CrashLoss loss;
  loss.mode = mode.ToString();
  loss.pending = state.pending.size();
  Namer names(state);

  struct Acc {
    FileLoss f;
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
  };
  std::map<Ino, Acc> per_ino;
  std::set<Ino> linked;  // nodes a pending link already made
  // Entry -> op index of the latest rolled-back namespace op on it.
  std::map<std::pair<Ino, std::string>, uint64_t> rolled_entry;
  for (size_t i = 0; i < state.pending.size(); ++i) {
    const PendingOp& op = state.pending[i];
    const PendingFate& fate = fates[i];
    if (fate.kept) ++loss.kept;
    if (op.is_data()) {
      if (op.kind == PendingOp::Kind::kWrite) {
        if (fate.lost_ranges.empty()) continue;
        auto& acc = per_ino[op.ino];
        acc.ranges.insert(acc.ranges.end(), fate.lost_ranges.begin(),
                          fate.lost_ranges.end());
      } else if (!fate.kept) {
        per_ino[op.ino].f.truncates_dropped.push_back(
            {.op_index = op.op_index, .size = op.size});
      }
      continue;
    }
    std::string name = NamespaceOpName(op, names, linked);
    if (fate.kept) continue;
    RolledBackOp r;
    r.op_index = op.op_index;
    r.op = std::move(name);
    r.path = names.Entry(op.dir, op.name);
    bool is_rename = op.kind == PendingOp::Kind::kRename;
    if (is_rename) r.dest = names.Entry(op.dir2, op.name2);
    for (Ino d : op.needs) r.missing_fsync_of.push_back(names.Dir(d));
    std::sort(r.missing_fsync_of.begin(), r.missing_fsync_of.end());
    std::pair<Ino, std::string> a{op.dir, op.name};
    std::pair<Ino, std::string> b{op.dir2, op.name2};
    if (r.missing_fsync_of.empty()) {
      // Held back by an earlier rolled-back op on one of its entries.
      std::optional<uint64_t> by;
      if (auto it = rolled_entry.find(a); it != rolled_entry.end())
        by = it->second;
      if (is_rename) {
        if (auto it = rolled_entry.find(b); it != rolled_entry.end())
          by = by ? std::max(*by, it->second) : it->second;
      }
      r.held_by = by;
    }
    rolled_entry[a] = op.op_index;
    if (is_rename) rolled_entry[b] = op.op_index;
    per_ino[op.ino].f.rolled_back.push_back(std::move(r));
  }

  for (auto& [ino, acc] : per_ino) {
    FileLoss& f = acc.f;
    f.path = names.Path(ino);
    f.visible = names.Visible(ino);
    f.type = std::string(FileTypeName(names.Type(ino, FileType::kRegular)));
    std::optional<uint64_t> last;
    if (auto it = state.last_sync.find(ino); it != state.last_sync.end())
      last = it->second;
    if (state.last_sync_all)
      last =
          last ? std::max(*last, *state.last_sync_all) : *state.last_sync_all;
    f.last_fsync = last;
    std::vector<ByteRange> ranges = Union(std::move(acc.ranges));
    for (const auto& r : ranges) f.dropped_bytes += r.length;
    if (ranges.size() > CrashLoss::kMaxRanges) {
      f.ranges_omitted = ranges.size() - CrashLoss::kMaxRanges;
      ranges.resize(CrashLoss::kMaxRanges);
    }
    f.dropped = std::move(ranges);
  }
  std::vector<std::pair<Ino, FileLoss*>> order;
  for (auto& [ino, acc] : per_ino) order.emplace_back(ino, &acc.f);
  std::sort(order.begin(), order.end(), [](const auto& x, const auto& y) {
    return std::tie(x.second->path, x.first) <
           std::tie(y.second->path, y.first);
  });
  for (auto& [ino, f] : order) {
    if (loss.files.size() == CrashLoss::kMaxFiles) {
      ++loss.files_omitted;
      continue;
    }
    loss.files.push_back(std::move(*f));
  }
  return loss;
}

json CrashLoss::ToJson() const {
  json fl = json::array();
  for (const auto& f : files) {
    json dropped = json::array();
    for (const auto& r : f.dropped)
      dropped.push_back({{"offset", r.offset}, {"length", r.length}});
    json truncs = json::array();
    for (const auto& t : f.truncates_dropped)
      truncs.push_back({{"op_index", t.op_index}, {"size", t.size}});
    json rb = json::array();
    for (const auto& r : f.rolled_back) {
      rb.push_back({{"op_index", r.op_index},
                    {"op", r.op},
                    {"path", r.path},
                    {"dest", r.dest.empty() ? json(nullptr) : json(r.dest)},
                    {"missing_fsync_of", r.missing_fsync_of},
                    {"held_by", r.held_by ? json(*r.held_by) : json(nullptr)}});
    }
    fl.push_back(
        {{"path", f.path},
         {"visible", f.visible},
         {"type", f.type},
         {"last_fsync", f.last_fsync ? json(*f.last_fsync) : json(nullptr)},
         {"dropped", dropped},
         {"dropped_bytes", f.dropped_bytes},
         {"ranges_omitted", f.ranges_omitted},
         {"truncates_dropped", truncs},
         {"rolled_back", rb}});
  }
  return {{"mode", mode},
          {"pending", pending},
          {"kept", kept},
          {"files", fl},
          {"files_omitted", files_omitted}};
}

namespace {

// A small reader that names the first bad field.
struct Reader {
  Status st;
  const json* Field(const json& j, const std::string& where, const char* key,
                    json::value_t type, bool nullable = false) {
    if (!st.ok()) return nullptr;
    auto it = j.find(key);
    if (it == j.end()) {
      st = Status::InvalidArgument("crash loss",
                                   where + "/" + key + " is missing");
      return nullptr;
    }
    if (nullable && it->is_null()) return nullptr;
    bool good = it->type() == type || (type == json::value_t::number_unsigned &&
                                       it->is_number_unsigned());
    if (!good) {
      st = Status::InvalidArgument("crash loss",
                                   where + "/" + key + " has the wrong type");
      return nullptr;
    }
    return &*it;
  }
  uint64_t U(const json& j, const std::string& w, const char* k) {
    const json* v = Field(j, w, k, json::value_t::number_unsigned);
    return v ? v->get<uint64_t>() : 0;
  }
  std::optional<uint64_t> OptU(const json& j, const std::string& w,
                               const char* k) {
    const json* v = Field(j, w, k, json::value_t::number_unsigned, true);
    if (v == nullptr) return std::nullopt;
    return v->get<uint64_t>();
  }
  std::string S(const json& j, const std::string& w, const char* k,
                bool nullable = false) {
    const json* v = Field(j, w, k, json::value_t::string, nullable);
    return v ? v->get<std::string>() : "";
  }
  const json& A(const json& j, const std::string& w, const char* k) {
    static const json empty = json::array();
    const json* v = Field(j, w, k, json::value_t::array);
    return v ? *v : empty;
  }
  bool Object(const json& j, const std::string& w) {
    if (st.ok() && !j.is_object())
      st = Status::InvalidArgument("crash loss",
                                   (w.empty() ? "/" : w) + " is not an object");
    return st.ok();
  }
};

}  // namespace

Result<CrashLoss> CrashLoss::FromJson(const json& j) {
  Reader r;
  CrashLoss loss;
  if (!r.Object(j, "")) return r.st;
  loss.mode = r.S(j, "", "mode");
  loss.pending = r.U(j, "", "pending");
  loss.kept = r.U(j, "", "kept");
  loss.files_omitted = r.U(j, "", "files_omitted");
  const json& files = r.A(j, "", "files");
  for (size_t i = 0; r.st.ok() && i < files.size(); ++i) {
    std::string w = "/files/" + std::to_string(i);
    const json& fj = files[i];
    if (!r.Object(fj, w)) break;
    FileLoss f;
    f.path = r.S(fj, w, "path");
    if (const json* v = r.Field(fj, w, "visible", json::value_t::boolean))
      f.visible = v->get<bool>();
    f.type = r.S(fj, w, "type");
    f.last_fsync = r.OptU(fj, w, "last_fsync");
    f.dropped_bytes = r.U(fj, w, "dropped_bytes");
    f.ranges_omitted = r.U(fj, w, "ranges_omitted");
    const json& dropped = r.A(fj, w, "dropped");
    for (size_t k = 0; r.st.ok() && k < dropped.size(); ++k) {
      std::string wk = w + "/dropped/" + std::to_string(k);
      if (!r.Object(dropped[k], wk)) break;
      f.dropped.push_back({.offset = r.U(dropped[k], wk, "offset"),
                           .length = r.U(dropped[k], wk, "length")});
    }
    const json& truncs = r.A(fj, w, "truncates_dropped");
    for (size_t k = 0; r.st.ok() && k < truncs.size(); ++k) {
      std::string wk = w + "/truncates_dropped/" + std::to_string(k);
      if (!r.Object(truncs[k], wk)) break;
      f.truncates_dropped.push_back({.op_index = r.U(truncs[k], wk, "op_index"),
                                     .size = r.U(truncs[k], wk, "size")});
    }
    const json& rb = r.A(fj, w, "rolled_back");
    for (size_t k = 0; r.st.ok() && k < rb.size(); ++k) {
      std::string wk = w + "/rolled_back/" + std::to_string(k);
      const json& oj = rb[k];
      if (!r.Object(oj, wk)) break;
      RolledBackOp o;
      o.op_index = r.U(oj, wk, "op_index");
      o.op = r.S(oj, wk, "op");
      o.path = r.S(oj, wk, "path");
      o.dest = r.S(oj, wk, "dest", true);
      const json& miss = r.A(oj, wk, "missing_fsync_of");
      for (size_t m = 0; r.st.ok() && m < miss.size(); ++m) {
        if (!miss[m].is_string()) {
          r.st = Status::InvalidArgument(
              "crash loss", wk + "/missing_fsync_of/" + std::to_string(m) +
                                " is not a string");
          break;
        }
        o.missing_fsync_of.push_back(miss[m].get<std::string>());
      }
      o.held_by = r.OptU(oj, wk, "held_by");
      f.rolled_back.push_back(std::move(o));
    }
    loss.files.push_back(std::move(f));
  }
  if (!r.st.ok()) return r.st;
  return loss;
}

std::vector<std::string> DescribeCrashLoss(const CrashLoss& loss) {
  std::vector<std::string> out;
  for (const auto& f : loss.files) {
    std::string line =
        f.path + (f.visible ? "" : " (no name before the crash)");
    std::string sep = ": ";
    for (const auto& r : f.rolled_back) {
      line += sep + r.op + " " + r.path +
              (r.dest.empty() ? "" : " -> " + r.dest) + " (op " +
              std::to_string(r.op_index) + ") rolled back";
      if (!r.missing_fsync_of.empty()) {
        std::string dirs;
        for (const auto& d : r.missing_fsync_of)
          dirs += (dirs.empty() ? "" : ", ") + d;
        line += ": no fsync of " + dirs;
      } else if (r.held_by) {
        line += ": held back by op " + std::to_string(*r.held_by);
      }
      sep = "; ";
    }
    if (f.dropped_bytes > 0) {
      size_t n = f.dropped.size() + f.ranges_omitted;
      line += sep + std::to_string(f.dropped_bytes) +
              " unsynced bytes dropped in " + std::to_string(n) +
              (n == 1 ? " range" : " ranges");
      std::string list;
      for (const auto& r : f.dropped) {
        if (list.size() > 120) {
          list += " ...";
          break;
        }
        list += (list.empty() ? "" : " ") + std::string("[") +
                std::to_string(r.offset) + ", " +
                std::to_string(r.offset + r.length) + ")";
      }
      line += " " + list;
      sep = "; ";
    }
    for (const auto& t : f.truncates_dropped) {
      line += sep + "truncate to " + std::to_string(t.size) + " (op " +
              std::to_string(t.op_index) + ") dropped";
      sep = "; ";
    }
    line += sep + "last fsync: " +
            (f.last_fsync ? "op " + std::to_string(*f.last_fsync)
                          : std::string("never"));
    out.push_back(std::move(line));
  }
  if (loss.files_omitted > 0)
    out.push_back("... and " + std::to_string(loss.files_omitted) +
                  " more files");
  return out;
}

}  // namespace crashlab::faultfs
