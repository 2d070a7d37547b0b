// Fuzz target: bytes arriving on the faultfs control socket. The input is
// split into lines as the server splits them; every line gets exactly one
// JSON reply line (ok or an error), whatever the bytes. The handler runs the
// daemon's own argument parsers (FaultRule for inject and damage, CrashMode
// for crash) on the request; the commands that need a mounted file system
// are answered from their validation only.
#include "faultfs/crash_mode.h"
#include "faultfs/daemon/control_server.h"
#include "faultfs/fault_rule.h"
#include "fuzz_check.h"

namespace {

nlohmann::json Handle(const nlohmann::json& req) {
  using namespace crashlab::faultfs;  // NOLINT
  auto cmd = req.find("cmd");
  if (cmd == req.end() || !cmd->is_string())
    return {{"ok", false}, {"error", "missing cmd"}};
  const std::string c = *cmd;
  if (c == "inject" || c == "damage") {
    auto r = req.find("rule");
    if (r == req.end()) return {{"ok", false}, {"error", "no rule"}};
    auto rule = r->is_string() ? FaultRule::Parse(r->get<std::string>(), "rule")
                               : FaultRule::FromJson(*r, "rule");
    if (!rule.ok()) return {{"ok", false}, {"error", rule.status().ToString()}};
    return {{"ok", true}, {"rule", rule->ToJson()}};
  }
  if (c == "crash") {
    auto m = req.find("mode");
    if (m == req.end()) return {{"ok", true}};
    if (!m->is_string()) return {{"ok", false}, {"error", "mode"}};
    auto mode = CrashMode::Parse(m->get<std::string>());
    if (!mode.ok()) return {{"ok", false}, {"error", mode.status().ToString()}};
    return {{"ok", true}, {"mode", mode->ToString()}};
  }
  // Echo the request: replies quoting untrusted strings must serialise.
  return {{"ok", false}, {"error", "unknown command \"" + c + "\""},
          {"request", req}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using crashlab::faultfs::daemon::ControlServer;
  std::string_view text = crashlab::fuzz::AsText(data, size);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) break;  // a partial line is dropped
    std::string line(text.substr(pos, nl - pos));
    pos = nl + 1;
    if (line.size() > ControlServer::kMaxLine) continue;
    std::string reply = ControlServer::AnswerLine(line, Handle);
    FUZZ_CHECK(!reply.empty() && reply.back() == '\n');
    FUZZ_CHECK(reply.find('\n') == reply.size() - 1);
    auto j = nlohmann::json::parse(reply);  // a valid JSON object, always
    FUZZ_CHECK(j.is_object() && j.contains("ok"));
  }
  return 0;
}
