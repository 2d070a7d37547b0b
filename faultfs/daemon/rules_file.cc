#include "faultfs/daemon/rules_file.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "faultfs/json_util.h"

namespace crashlab::faultfs::daemon {
namespace {

// 1-based line and column of byte offset `pos`.
std::pair<size_t, size_t> LineCol(const std::string& text, size_t pos) {
  size_t line = 1;
  size_t col = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

Status At(const std::string& name, size_t line, size_t col,
          const std::string& message) {
  return Status::InvalidArgument(
      name + ":" + std::to_string(line) + ":" + std::to_string(col), message);
}

// Byte offsets where the elements of the top-level array start.
std::vector<size_t> ElementStarts(const std::string& text) {
  std::vector<size_t> out;
  int depth = 0;
  bool in_string = false;
  bool expect = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (depth == 1 && expect && c != ' ' && c != '\t' && c != '\n' &&
        c != '\r' && c != ']') {
      out.push_back(i);
      expect = false;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth == 1) expect = true;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 1) {
      expect = true;
    }
  }
  return out;
}

std::string Message(const Status& st) {
  return st.message().empty() ? st.ToString() : st.message();
}

}  // namespace

Status CheckDaemonRule(const FaultRule& rule) {
  if (rule.op == OpKind::kClose && (rule.action == ActionKind::kError ||
                                    rule.action == ActionKind::kErrorAfter)) {
    return Status::InvalidArgument(
        "rule",
        "unsupported in the faultfs daemon: action \"" +
            std::string(ActionName(rule.action)) +
            "\" on op \"close\" (FUSE delivers a file's last close after "
            "close(2) has returned, so the caller could never see the error; "
            "the simulator supports it)");
  }
  return Status::Ok();
}

Result<std::vector<FaultRule>> ParseRulesText(const std::string& name,
                                              const std::string& text) {
  std::vector<FaultRule> rules;
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') {
    if (auto at = JsonTooDeepAt(text)) {
      auto [line, col] = LineCol(text, *at);
      return At(name, line, col, JsonTooDeepMessage(*at));
    }
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      auto [line, col] = LineCol(text, e.byte == 0 ? 0 : e.byte - 1);
      return At(name, line, col, std::string("JSON syntax error: ") + e.what());
    } catch (const nlohmann::json::exception& e) {  // out_of_range: 1e400
      auto [line, col] = LineCol(text, first);
      return At(name, line, col, std::string("JSON error: ") + e.what());
    }
    std::vector<size_t> starts = ElementStarts(text);
    for (size_t i = 0; i < j.size(); ++i) {
      auto rule = FaultRule::FromJson(j[i], "rule[" + std::to_string(i) + "]");
      if (rule.ok()) {
        if (Status st = CheckDaemonRule(*rule); !st.ok()) rule = st;
      }
      if (!rule.ok()) {
        auto [line, col] = LineCol(text, i < starts.size() ? starts[i] : first);
        return At(name, line, col,
                  "rule " + std::to_string(i) + ": " + Message(rule.status()));
      }
      rules.push_back(*rule);
    }
    return rules;
  }
  std::istringstream in(text);
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') continue;
    if (auto at = JsonTooDeepAt(line))
      return At(name, lineno, *at + 1, JsonTooDeepMessage(*at));
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      return At(name, lineno, e.byte == 0 ? 1 : e.byte,
                std::string("JSON syntax error: ") + e.what());
    } catch (const nlohmann::json::exception& e) {  // out_of_range: 1e400
      return At(name, lineno, start + 1,
                std::string("JSON error: ") + e.what());
    }
    auto rule = FaultRule::FromJson(j, "rule");
    if (rule.ok()) {
      if (Status st = CheckDaemonRule(*rule); !st.ok()) rule = st;
    }
    if (!rule.ok()) return At(name, lineno, start + 1, Message(rule.status()));
    rules.push_back(*rule);
  }
  return rules;
}

Result<std::vector<FaultRule>> LoadRulesFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::IoError(errno == 0 ? ENOENT : errno, path,
                           "cannot read the rules file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseRulesText(path, ss.str());
}

}  // namespace crashlab::faultfs::daemon
