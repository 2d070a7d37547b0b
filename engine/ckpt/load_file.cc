#include "engine/ckpt/load_file.h"

#include <nlohmann/json.hpp>

#include "faultfs/json_util.h"

namespace crashlab::engine::ckpt {

using faultfs::Status;
using nlohmann::json;

namespace {

Status Bad(const std::string& name, size_t line, size_t col,
           const std::string& msg) {
  return Status::InvalidArgument(
      name + ":" + std::to_string(line) + ":" + std::to_string(col), msg);
}

bool GetString(const json& j, const char* field, std::string* out) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

bool GetNumber(const json& j, const char* field, uint64_t* out) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_number_unsigned()) return false;
  *out = it->get<uint64_t>();
  return true;
}

}  // namespace

faultfs::Result<std::vector<LoadOp>> ParseLoadFile(const std::string& text,
                                                   const std::string& name) {
  std::vector<LoadOp> ops;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    if (auto at = faultfs::JsonTooDeepAt(line)) {
      return Bad(name, line_no, *at + 1,
                 "malformed JSON: " + faultfs::JsonTooDeepMessage(*at));
    }
    json j;
    try {
      j = json::parse(line);
    } catch (const json::parse_error& e) {
      // e.byte is 1-based position of the error in the line.
      return Bad(name, line_no, e.byte == 0 ? 1 : e.byte,
                 "malformed JSON: " + std::string(e.what()));
    } catch (const json::exception& e) {  // e.g. out_of_range: 1e400
      return Bad(name, line_no, first + 1,
                 "malformed JSON: " + std::string(e.what()));
    }
    if (!j.is_object())
      return Bad(name, line_no, first + 1, "expected a JSON object");
    LoadOp op;
    std::string kind = "put";
    if (j.contains("op") && !GetString(j, "op", &kind)) {
      return Bad(name, line_no, first + 1, "field 'op' must be a string");
    }
    if (kind == "put") {
      op.kind = LoadOp::Kind::kPut;
      if (!GetString(j, "key", &op.key))
        return Bad(name, line_no, first + 1, "put needs a string 'key'");
      if (!GetString(j, "value", &op.value)) {
        return Bad(name, line_no, first + 1, "put needs a string 'value'");
      }
    } else if (kind == "del" || kind == "delete") {
      op.kind = LoadOp::Kind::kDel;
      if (!GetString(j, "key", &op.key))
        return Bad(name, line_no, first + 1, "del needs a string 'key'");
    } else if (kind == "offset") {
      op.kind = LoadOp::Kind::kOffset;
      if (!GetString(j, "source", &op.key) ||
          !GetNumber(j, "offset", &op.number)) {
        return Bad(name, line_no, first + 1,
                   "offset needs a string 'source' and an unsigned 'offset'");
      }
    } else if (kind == "watermark") {
      op.kind = LoadOp::Kind::kWatermark;
      if (!GetNumber(j, "value", &op.number)) {
        return Bad(name, line_no, first + 1,
                   "watermark needs an unsigned 'value'");
      }
    } else {
      return Bad(name, line_no, first + 1,
                 "unknown op '" + kind + "' (put, del, offset, watermark)");
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

}  // namespace crashlab::engine::ckpt
