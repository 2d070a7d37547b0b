#include "faultfs/fault_rule.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

namespace crashlab::faultfs {
namespace {

using nlohmann::json;

const std::vector<std::string> kOpNames = {
    "open",    "create", "read",    "write",  "fsync", "fdatasync", "fsyncdir",
    "rename",  "link",   "symlink", "unlink", "mkdir", "rmdir",     "truncate",
    "readdir", "stat",   "close",   "sync",   "any"};

const std::vector<std::string> kActionNames = {
    "error",     "error_after", "short_write", "enospc_after_bytes",
    "fsync_lie", "fsyncgate",   "corrupt",     "truncate",
    "lose",      "torn",        "delay",       "crash"};

FaultRule MustParse(std::string_view text) {
  Result<FaultRule> r = FaultRule::Parse(text);
  EXPECT_TRUE(r.ok()) << text << " -> " << r.status().ToString();
  return r.ok() ? *r : FaultRule{};
}

void ExpectRoundTrip(const FaultRule& rule) {
  Result<FaultRule> back = FaultRule::FromJson(rule.ToJson());
  ASSERT_TRUE(back.ok()) << rule.ToJson().dump() << " -> "
                         << back.status().ToString();
  EXPECT_EQ(*back, rule) << rule.ToJson().dump();
  Result<FaultRule> reparsed = FaultRule::Parse(rule.ToJson().dump());
  ASSERT_TRUE(reparsed.ok()) << reparsed.status().ToString();
  EXPECT_EQ(*reparsed, rule) << rule.ToJson().dump();
}

// ---------------------------------------------------------------------------
// Names

TEST(FaultRuleNamesTest, EveryOpNameRoundTrips) {
  for (const std::string& name : kOpNames) {
    std::optional<OpKind> op = OpFromName(name);
    ASSERT_TRUE(op.has_value()) << name;
    EXPECT_EQ(OpName(*op), name);
  }
  EXPECT_EQ(OpFromName("fsinc"), std::nullopt);
  EXPECT_EQ(OpFromName(""), std::nullopt);
}

TEST(FaultRuleNamesTest, EveryActionNameRoundTrips) {
  for (const std::string& name : kActionNames) {
    std::optional<ActionKind> action = ActionFromName(name);
    ASSERT_TRUE(action.has_value()) << name;
    EXPECT_EQ(ActionName(*action), name);
  }
  EXPECT_EQ(ActionFromName("eror"), std::nullopt);
}

TEST(FaultRuleNamesTest, PersistencePoints) {
  for (const std::string& name : kOpNames) {
    OpKind op = *OpFromName(name);
    bool expected = name == "fsync" || name == "fdatasync" ||
                    name == "fsyncdir" || name == "sync";
    EXPECT_EQ(IsPersistencePoint(op), expected) << name;
  }
}

// ---------------------------------------------------------------------------
// Globs

struct GlobCase {
  const char* glob;
  const char* path;
  bool match;
};

TEST(GlobTest, Matches) {
  const GlobCase cases[] = {
      {"**/CATALOG*", "CATALOG.json", true},
      {"**/CATALOG*", "a/b/CATALOG.json", true},
      {"**/CATALOG*", "a/b/catalog.json", false},
      {"**/CATALOG*", "CATALOG.json/x", false},
      {"wal/*.log", "wal/1.log", true},
      {"wal/*.log", "wal/x/y.log", false},
      {"wal/*.log", "wal/.log", true},
      {"wal/*.log", "wal/1.log.tmp", false},
      {"*", "a", true},
      {"*", "a/b", false},
      {"*", "", false},
      {"**", "", true},
      {"**", "a", true},
      {"**", "a/b/c", true},
      {"a/**", "a", true},
      {"a/**", "a/b/c", true},
      {"a/**", "b/a", false},
      {"a/**/b", "a/b", true},
      {"a/**/b", "a/x/y/b", true},
      {"a/**/b", "a/x/y/c", false},
      {"**/**/x", "x", true},
      {"**/**/x", "a/b/x", true},
      {"a?c", "abc", true},
      {"a?c", "ac", false},
      {"a?c", "a/c", false},
      {"state-[0-9]", "state-7", true},
      {"state-[0-9]", "state-x", false},
      {"state-[!0-9]", "state-x", true},
      {"state-[!0-9]", "state-7", false},
      {"state-[^0-9]", "state-x", true},
      {"[abc]x", "bx", true},
      {"[abc]x", "dx", false},
      {"[]]", "]", true},
      {"[!]]", "a", true},
      {"[!]]", "]", false},
      {"[a-]", "-", true},
      {"*.[ch]", "main.c", true},
      {"*.[ch]", "main.o", false},
      {"a*b*c", "aXXbYYc", true},
      {"a*b*c", "abcbc", true},
      {"a*b*c", "acb", false},
      {"*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
      {"\\*", "*", true},
      {"\\*", "x", false},
      {"exact/path.txt", "exact/path.txt", true},
      {"exact/path.txt", "exact/path.txt2", false},
      {"bad[", "bad[", false},  // invalid globs match nothing
  };
  for (const GlobCase& c : cases) {
    EXPECT_EQ(GlobMatch(c.glob, c.path), c.match) << c.glob << " vs " << c.path;
  }
}

TEST(GlobTest, ValidatesSyntax) {
  for (const char* good :
       {"**", "**/CATALOG*", "a/**/b", "[a-z]*", "[]]", "\\*", "*.log"}) {
    EXPECT_TRUE(ValidateGlob(good).ok()) << good;
  }
  const std::pair<const char*, const char*> bad[] = {
      {"", "empty glob"},
      {"a[bc", "unclosed '['"},
      {"[!]", "unclosed '['"},
      {"a**b", "'**' must be a whole path component"},
      {"**.log", "'**' must be a whole path component"},
      {"x/***", "'**' must be a whole path component"},
      {"[z-a]", "reversed range"},
      {"abc\\", "trailing"},
  };
  for (const auto& [glob, what] : bad) {
    Status st = ValidateGlob(glob);
    ASSERT_FALSE(st.ok()) << glob;
    EXPECT_EQ(st.err(), EINVAL);
    EXPECT_EQ(st.path(), glob);
    EXPECT_NE(st.message().find(what), std::string::npos)
        << glob << ": " << st.message();
  }
}

// ---------------------------------------------------------------------------
// JSON

TEST(FaultRuleJsonTest, ParsesDesignExamples) {
  FaultRule r = MustParse(
      R"({"op": "rename", "path": "**/CATALOG.json", "action": "error", "errno": "EIO", "times": 1})");
  EXPECT_EQ(r.op, OpKind::kRename);
  EXPECT_EQ(r.path, "**/CATALOG.json");
  EXPECT_EQ(r.action, ActionKind::kError);
  EXPECT_EQ(r.err, EIO);
  EXPECT_EQ(r.times, 1u);

  r = MustParse(
      R"({"op": "write", "path": "wal/*.log", "action": "short_write", "bytes": 100, "nth": 3})");
  EXPECT_EQ(r.action, ActionKind::kShortWrite);
  EXPECT_EQ(r.bytes, 100u);
  EXPECT_EQ(r.nth, 3u);

  r = MustParse(
      R"({"op": "read", "path": "**/state-*", "action": "corrupt", "corrupt": {"bitflips": 8}, "probability": 0.1})");
  EXPECT_EQ(r.corrupt.bitflips, 8u);
  EXPECT_EQ(r.probability, 0.1);
  EXPECT_FALSE(r.persistent);

  r = MustParse(
      R"({"op": "any", "path": "**/MANIFEST.json", "action": "corrupt", "corrupt": {"zero": [0, 64]}, "persistent": true})");
  EXPECT_EQ(r.corrupt.zero, (std::pair<uint64_t, uint64_t>{0, 64}));
  EXPECT_TRUE(r.persistent);

  r = MustParse(
      R"({"op": "fsync", "path": "**", "action": "crash", "nth": 17})");
  EXPECT_EQ(r.action, ActionKind::kCrash);
  EXPECT_EQ(r.crash_mode, "drop");

  r = MustParse(
      R"({"op": "rename", "path": "tmp/*", "dest": "**/CATALOG.json", "action": "error_after", "errno": "EIO", "nth": 2})");
  EXPECT_EQ(r.dest, "**/CATALOG.json");
}

TEST(FaultRuleJsonTest, DefaultsAndExplicitAlways) {
  FaultRule r = MustParse(R"({"op": "write", "action": "error"})");
  EXPECT_EQ(r,
            MustParse(R"({"op": "write", "action": "error", "always": true})"));
  EXPECT_EQ(r.path, "**");
  EXPECT_EQ(r.err, EIO);
  EXPECT_FALSE(r.nth || r.after || r.times || r.probability);
  EXPECT_EQ(r.ToJson()["always"], true);
}

TEST(FaultRuleJsonTest, ErrnoAsNameOrNumber) {
  EXPECT_EQ(
      MustParse(R"({"op": "write", "action": "error", "errno": "ENOSPC"})").err,
      ENOSPC);
  EXPECT_EQ(MustParse(R"({"op": "write", "action": "error", "errno": 28})").err,
            28);
  FaultRule odd =
      MustParse(R"({"op": "write", "action": "error", "errno": 200})");
  EXPECT_EQ(odd.err, 200);
  EXPECT_EQ(odd.ToJson()["errno"], 200);  // no name: written as a number
  EXPECT_EQ(MustParse(R"({"op": "write", "action": "error", "errno": "EIO"})")
                .ToJson()["errno"],
            "EIO");
}

TEST(FaultRuleJsonTest, EveryOpRoundTrips) {
  for (const std::string& name : kOpNames) {
    FaultRule r;
    r.op = *OpFromName(name);
    r.path = "d/*.log";
    r.action = ActionKind::kError;
    r.err = ENOENT;
    ExpectRoundTrip(r);
    EXPECT_EQ(r.ToJson()["op"], name);
  }
}

TEST(FaultRuleJsonTest, EveryActionRoundTrips) {
  const char* rules[] = {
      R"({"op": "rename", "action": "error", "errno": "EXDEV"})",
      R"({"op": "rename", "action": "error_after", "errno": "EIO", "nth": 2})",
      R"({"op": "write", "action": "short_write", "bytes": 100, "nth": 3, "times": 2})",
      R"({"op": "write", "action": "enospc_after_bytes", "bytes": 4096})",
      R"({"op": "fsync", "action": "fsync_lie", "after": 3})",
      R"({"op": "fdatasync", "action": "fsyncgate", "times": 1})",
      R"({"op": "read", "action": "corrupt", "corrupt": {"bitflips": 3, "zero": [1, 2], "garbage": [3, 4]}, "probability": 0.25})",
      R"({"op": "any", "action": "corrupt", "corrupt": {"garbage": [0, 8]}, "persistent": true, "after": 1, "times": 4})",
      R"({"op": "write", "action": "truncate", "size": 0})",
      R"({"op": "create", "action": "lose"})",
      R"({"op": "write", "action": "torn"})",
      R"({"op": "write", "action": "torn", "bytes": 1024})",
      R"({"op": "fsync", "action": "delay", "delay_ms": 5})",
      R"({"op": "fsync", "action": "crash", "mode": "prefix:3", "nth": 17})",
      R"({"op": "fsync", "action": "crash", "mode": "random:42", "after": 2, "probability": 0.5})",
      R"({"op": "rename", "path": "a/*", "dest": "b/**", "action": "error", "errno": "EIO"})",
  };
  std::set<ActionKind> seen;
  for (const char* text : rules) {
    FaultRule r = MustParse(text);
    seen.insert(r.action);
    ExpectRoundTrip(r);
  }
  EXPECT_EQ(seen.size(), kActionNames.size());
}

// Generates a rule FromJson accepts: unused action fields keep their defaults.
rc::Gen<FaultRule> GenRule() {
  return rc::gen::exec([] {
    FaultRule r;
    r.op = *OpFromName(*rc::gen::elementOf(kOpNames));
    r.path = *rc::gen::elementOf(
        std::vector<std::string>{"**", "a/*.log", "**/x[0-9]?", "b"});
    if (r.op == OpKind::kRename || r.op == OpKind::kAny) {
      if (*rc::gen::arbitrary<bool>()) r.dest = "**/CATALOG*";
    }
    switch (*rc::gen::inRange(0, 5)) {
      case 0:
        break;
      case 1:
        r.nth = *rc::gen::inRange<uint64_t>(1, 100);
        break;
      case 2:
        r.after = *rc::gen::inRange<uint64_t>(0, 100);
        break;
      case 3:
        r.probability = *rc::gen::inRange(0, 1001) / 1000.0;
        break;
      case 4:
        r.after = *rc::gen::inRange<uint64_t>(0, 100);
        r.probability = 0.5;
        break;
    }
    if (*rc::gen::arbitrary<bool>())
      r.times = *rc::gen::inRange<uint64_t>(1, 10);
    r.action = *ActionFromName(*rc::gen::elementOf(kActionNames));
    uint64_t n = *rc::gen::inRange<uint64_t>(1, 1u << 20);
    switch (r.action) {
      case ActionKind::kError:
      case ActionKind::kErrorAfter:
        r.err = *rc::gen::inRange(1, 300);
        break;
      case ActionKind::kShortWrite:
      case ActionKind::kEnospcAfterBytes:
      case ActionKind::kTorn:
        r.bytes = n;
        break;
      case ActionKind::kTruncate:
        r.size = n;
        break;
      case ActionKind::kDelay:
        r.delay_ms = 1 + n % kMaxRuleDelayMs;
        break;
      case ActionKind::kCorrupt:
        r.corrupt.bitflips = 1 + n % 7;
        if (*rc::gen::arbitrary<bool>())
          r.corrupt.zero = std::pair<uint64_t, uint64_t>{n, 3};
        if (*rc::gen::arbitrary<bool>())
          r.corrupt.garbage = std::pair<uint64_t, uint64_t>{7, n};
        r.persistent = *rc::gen::arbitrary<bool>();
        break;
      case ActionKind::kCrash:
        r.crash_mode = *rc::gen::elementOf(std::vector<std::string>{
            "drop", "prefix:2", "torn", "torn:9", "random:42"});
        break;
      default:
        break;
    }
    return r;
  });
}

RC_GTEST_PROP(FaultRuleJsonProp, ToJsonRoundTrips, ()) {
  FaultRule r = *GenRule();
  Result<FaultRule> back = FaultRule::Parse(r.ToJson().dump());
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == r);
}

struct BadCase {
  const char* json;
  const char* message;  // substring the error message must contain
};

TEST(FaultRuleJsonTest, RejectsBadInputNamingTheField) {
  const BadCase cases[] = {
      // not an object
      {R"([1, 2])", "rule: must be a JSON object"},
      // unknown fields (typos)
      {R"({"op": "write", "action": "error", "ernno": "EIO"})",
       "ernno: unknown field"},
      {R"({"op": "write", "action": "error", "time": 1})",
       "time: unknown field"},
      {R"({"op": "read", "action": "corrupt", "corrupt": {"bitflip": 3}})",
       "corrupt.bitflip: unknown field"},
      // missing required fields
      {R"({"action": "error"})", "op: missing"},
      {R"({"op": "write"})", "action: missing"},
      {R"({"op": "write", "action": "short_write"})", "bytes: missing"},
      {R"({"op": "write", "action": "enospc_after_bytes"})", "bytes: missing"},
      {R"({"op": "write", "action": "truncate"})", "size: missing"},
      {R"({"op": "fsync", "action": "delay"})", "delay_ms: missing"},
      {R"({"op": "read", "action": "corrupt"})", "corrupt: missing"},
      // unknown names
      {R"({"op": "wrte", "action": "error"})", "op: unknown operation 'wrte'"},
      {R"({"op": "write", "action": "explode"})",
       "action: unknown action 'explode'"},
      {R"({"op": "write", "action": "error", "errno": "EFOO"})",
       "errno: unknown errno name 'EFOO'"},
      {R"({"op": "write", "action": "error", "errno": 0})",
       "errno: must be between 1 and 4095"},
      {R"({"op": "write", "action": "error", "errno": -5})",
       "errno: must be between 1 and 4095"},
      {R"({"op": "write", "action": "error", "errno": 5.5})",
       "errno: must be an errno name"},
      {R"({"op": "fsync", "action": "crash", "mode": "explode"})",
       "mode: bad crash mode 'explode'"},
      {R"({"op": "fsync", "action": "crash", "mode": "prefix"})",
       "mode: bad crash mode"},
      // bad globs
      {R"({"op": "write", "path": "a[bc", "action": "error"})",
       "path: bad glob 'a[bc': unclosed '['"},
      {R"({"op": "write", "path": "a**b", "action": "error"})",
       "path: bad glob 'a**b'"},
      {R"({"op": "write", "path": "", "action": "error"})",
       "path: bad glob '': empty glob"},
      {R"({"op": "rename", "dest": "x/[", "action": "error"})",
       "dest: bad glob 'x/['"},
      {R"({"op": "write", "dest": "x", "action": "error"})",
       "dest: only rename, link"},
      // wrong types
      {R"({"op": 3, "action": "error"})", "op: must be a string"},
      {R"({"op": "write", "action": ["error"]})", "action: must be a string"},
      {R"({"op": "write", "path": 7, "action": "error"})",
       "path: must be a string"},
      {R"({"op": "write", "action": "error", "nth": "3"})",
       "nth: must be a non-negative integer"},
      {R"({"op": "write", "action": "error", "nth": 2.5})",
       "nth: must be a non-negative integer"},
      {R"({"op": "write", "action": "error", "after": -1})",
       "after: must be a non-negative integer"},
      {R"({"op": "write", "action": "short_write", "bytes": "100"})",
       "bytes: must be a non-negative integer"},
      {R"({"op": "write", "action": "truncate", "size": null})",
       "size: must be a non-negative integer"},
      {R"({"op": "read", "action": "corrupt", "corrupt": {"bitflips": 1}, "persistent": 1})",
       "persistent: must be a boolean"},
      {R"({"op": "read", "action": "corrupt", "corrupt": [1]})",
       "corrupt: must be an object"},
      {R"({"op": "write", "action": "error", "probability": "0.5"})",
       "probability: must be a number"},
      {R"({"op": "fsync", "action": "crash", "mode": 3})",
       "mode: must be a string"},
      // corrupt specs
      {R"({"op": "read", "action": "corrupt", "corrupt": {}})",
       "corrupt: needs at least one of"},
      {R"({"op": "read", "action": "corrupt", "corrupt": {"bitflips": 0}})",
       "corrupt: needs at least one of"},
      {R"({"op": "read", "action": "corrupt", "corrupt": {"zero": [1]}})",
       "corrupt.zero: must be [offset, length]"},
      {R"({"op": "read", "action": "corrupt", "corrupt": {"garbage": 5}})",
       "corrupt.garbage: must be [offset, length]"},
      {R"({"op": "read", "action": "corrupt", "corrupt": {"zero": [0, 0]}})",
       "corrupt.zero[1] (length): must be at least 1"},
      {R"({"op": "read", "action": "corrupt", "corrupt": {"zero": [-1, 4]}})",
       "corrupt.zero[0] (offset)"},
      // resource bounds (faultfs/README.md "Bounds")
      {R"({"op": "fsync", "action": "delay", "delay_ms": 1000000000000})",
       "delay_ms: must be between 1 and 60000, got 1000000000000"},
      {R"({"op": "fsync", "action": "delay", "delay_ms": 0})",
       "delay_ms: must be between 1 and 60000, got 0"},
      {R"({"op": "write", "action": "short_write", "bytes": 2147483648})",
       "bytes: must be between 0 and 1073741824"},
      {R"({"op": "write", "action": "truncate", "size": 17592186044417})",
       "size: must be between 0 and 17592186044416"},
      {R"({"op": "read", "action": "corrupt", "corrupt": {"bitflips": 4294967295}})",
       "corrupt.bitflips: must be at most 1048576"},
      {R"({"op": "read", "action": "corrupt", "corrupt": {"zero": [0, 1073741825]}})",
       "corrupt.zero: length must be at most 1073741824"},
      {R"({"op": "read", "action": "corrupt", "corrupt": {"garbage": [18446744073709551615, 1]}})",
       "corrupt.garbage: offset must be at most 17592186044416"},
      // schedule values and combinations
      {R"({"op": "write", "action": "error", "probability": 1.5})",
       "probability: must be in [0, 1]"},
      {R"({"op": "write", "action": "error", "probability": -0.1})",
       "probability: must be in [0, 1]"},
      {R"({"op": "write", "action": "error", "nth": 0})",
       "nth: must be at least 1"},
      {R"({"op": "write", "action": "error", "times": 0})",
       "times: must be at least 1"},
      {R"({"op": "write", "action": "error", "nth": 2, "after": 1})",
       "nth: cannot be combined with after"},
      {R"({"op": "write", "action": "error", "nth": 2, "probability": 0.5})",
       "nth: cannot be combined with probability"},
      {R"({"op": "write", "action": "error", "always": true, "times": 2})",
       "always: cannot be combined with times"},
      {R"({"op": "write", "action": "error", "always": true, "nth": 2})",
       "always: cannot be combined with nth"},
      {R"({"op": "write", "action": "error", "always": false})",
       "always: must be true"},
      {R"({"op": "write", "action": "error", "always": "yes"})",
       "always: must be true"},
      // action fields on an action that does not use them
      {R"({"op": "write", "action": "error", "bytes": 10})",
       "bytes: not used by action 'error'"},
      {R"({"op": "write", "action": "short_write", "bytes": 10, "errno": "EIO"})",
       "errno: not used by action 'short_write'"},
      {R"({"op": "write", "action": "error", "mode": "drop"})",
       "mode: not used by action 'error'"},
      {R"({"op": "read", "action": "error", "persistent": true})",
       "persistent: not used by action 'error'"},
  };
  for (const BadCase& c : cases) {
    Result<FaultRule> r = FaultRule::Parse(c.json, "rules.json:3");
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.status().err(), EINVAL) << c.json;
    EXPECT_EQ(r.status().path(), "rules.json:3") << c.json;
    EXPECT_NE(r.status().message().find(c.message), std::string::npos)
        << c.json << "\n  expected: " << c.message
        << "\n  got:      " << r.status().message();
  }
}

TEST(FaultRuleJsonTest, SyntaxErrorReportsBytePosition) {
  Result<FaultRule> r =
      FaultRule::Parse(R"({"op": "write", "action" "error"})", "faults[0]");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().path(), "faults[0]");
  // nlohmann reports the 1-based position of the byte where it gave up: the
  // end of the string that should have been a ':'.
  EXPECT_NE(r.status().message().find(
                "JSON syntax error at byte 32 (line 1, column 32): "),
            std::string::npos)
      << r.status().message();

  r = FaultRule::Parse("{\"op\": \"write\",\n \"action\": \"error\",\n}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find(
                "JSON syntax error at byte 37 (line 3, column 1)"),
            std::string::npos)
      << r.status().message();

  r = FaultRule::Parse("");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("JSON syntax error at byte"),
            std::string::npos);
}

// ---------------------------------------------------------------------------
// FaultInjector: matching

OpContext Op(OpKind op, std::string_view path, uint64_t length = 0,
             std::string_view dest = {}) {
  OpContext ctx;
  ctx.op = op;
  ctx.path = path;
  ctx.dest = dest;
  ctx.length = length;
  return ctx;
}

bool Fires(FaultInjector& inj, const OpContext& ctx) {
  return inj.Evaluate(ctx).has_value();
}

TEST(FaultInjectorTest, MatchesByOpKind) {
  FaultInjector inj;
  inj.Add(MustParse(R"({"op": "open", "action": "error"})"));
  EXPECT_TRUE(Fires(inj, Op(OpKind::kOpen, "a")));
  EXPECT_TRUE(Fires(inj, Op(OpKind::kCreate, "a")));  // open covers create
  EXPECT_FALSE(Fires(inj, Op(OpKind::kRead, "a")));

  FaultInjector create_only;
  create_only.Add(MustParse(R"({"op": "create", "action": "error"})"));
  EXPECT_FALSE(Fires(create_only, Op(OpKind::kOpen, "a")));
  EXPECT_TRUE(Fires(create_only, Op(OpKind::kCreate, "a")));

  FaultInjector fsync;
  fsync.Add(MustParse(R"({"op": "fsync", "action": "error"})"));
  EXPECT_TRUE(Fires(fsync, Op(OpKind::kFsync, "a")));
  EXPECT_FALSE(Fires(fsync, Op(OpKind::kFdatasync, "a")));
  EXPECT_FALSE(Fires(fsync, Op(OpKind::kFsyncDir, "a")));

  FaultInjector any;
  any.Add(MustParse(R"({"op": "any", "action": "error"})"));
  for (const std::string& name : kOpNames) {
    if (name == "any") continue;
    EXPECT_TRUE(Fires(any, Op(*OpFromName(name), "x/y"))) << name;
  }
}

TEST(FaultInjectorTest, MatchesByPathGlob) {
  FaultInjector inj;
  inj.Add(
      MustParse(R"({"op": "write", "path": "wal/*.log", "action": "error"})"));
  EXPECT_TRUE(Fires(inj, Op(OpKind::kWrite, "wal/1.log")));
  EXPECT_FALSE(Fires(inj, Op(OpKind::kWrite, "wal/x/y.log")));
  EXPECT_FALSE(Fires(inj, Op(OpKind::kWrite, "data/1.log")));
}

TEST(FaultInjectorTest, MatchesByDestination) {
  FaultInjector inj;
  inj.Add(MustParse(
      R"({"op": "rename", "path": "**", "dest": "**/CATALOG.json", "action": "error"})"));
  EXPECT_TRUE(
      Fires(inj, Op(OpKind::kRename, "db/CATALOG.tmp", 0, "db/CATALOG.json")));
  EXPECT_FALSE(
      Fires(inj, Op(OpKind::kRename, "db/CATALOG.json", 0, "db/CATALOG.old")));
  EXPECT_FALSE(Fires(inj, Op(OpKind::kRename, "db/a", 0, "")));

  FaultInjector no_dest;  // without `dest`, any destination matches
  no_dest.Add(
      MustParse(R"({"op": "rename", "path": "db/*", "action": "error"})"));
  EXPECT_TRUE(Fires(no_dest, Op(OpKind::kRename, "db/a", 0, "elsewhere/b")));
}

// ---------------------------------------------------------------------------
// FaultInjector: schedules

// Evaluates `n` matching writes and returns which of them fired, as a string
// of '1' and '0' (index 0 is match 1).
std::string Pattern(std::string_view rule, int n, uint64_t seed = 0) {
  FaultInjector inj(seed);
  inj.Add(MustParse(rule));
  std::string out;
  for (int i = 0; i < n; ++i)
    out += Fires(inj, Op(OpKind::kWrite, "f")) ? '1' : '0';
  return out;
}

TEST(FaultScheduleTest, NoScheduleFiresEveryMatch) {
  EXPECT_EQ(Pattern(R"({"op": "write", "action": "error"})", 5), "11111");
  EXPECT_EQ(Pattern(R"({"op": "write", "action": "error", "always": true})", 5),
            "11111");
}

TEST(FaultScheduleTest, Nth) {
  EXPECT_EQ(Pattern(R"({"op": "write", "action": "error", "nth": 3})", 6),
            "001000");
  EXPECT_EQ(Pattern(R"({"op": "write", "action": "error", "nth": 1})", 3),
            "100");
}

TEST(FaultScheduleTest, NthWithTimes) {
  EXPECT_EQ(
      Pattern(R"({"op": "write", "action": "error", "nth": 2, "times": 3})", 7),
      "0111000");
}

TEST(FaultScheduleTest, After) {
  EXPECT_EQ(Pattern(R"({"op": "write", "action": "error", "after": 2})", 6),
            "001111");
  EXPECT_EQ(Pattern(R"({"op": "write", "action": "error", "after": 0})", 3),
            "111");
}

TEST(FaultScheduleTest, AfterWithTimes) {
  EXPECT_EQ(
      Pattern(R"({"op": "write", "action": "error", "after": 2, "times": 2})",
              7),
      "0011000");
}

TEST(FaultScheduleTest, TimesAlone) {
  EXPECT_EQ(Pattern(R"({"op": "write", "action": "error", "times": 2})", 5),
            "11000");
}

TEST(FaultScheduleTest, ProbabilityZeroAndOne) {
  EXPECT_EQ(
      Pattern(R"({"op": "write", "action": "error", "probability": 0})", 50, 7),
      std::string(50, '0'));
  EXPECT_EQ(
      Pattern(R"({"op": "write", "action": "error", "probability": 1})", 50, 7),
      std::string(50, '1'));
  EXPECT_EQ(
      Pattern(
          R"({"op": "write", "action": "error", "probability": 1.0, "times": 3})",
          6, 7),
      "111000");
  EXPECT_EQ(
      Pattern(
          R"({"op": "write", "action": "error", "probability": 1, "after": 2})",
          5, 7),
      "00111");
}

TEST(FaultScheduleTest, ProbabilityIsSeeded) {
  const char* rule =
      R"({"op": "write", "action": "error", "probability": 0.5})";
  std::string a = Pattern(rule, 200, 42);
  EXPECT_EQ(a, Pattern(rule, 200, 42));  // same seed, same firings
  EXPECT_NE(a, Pattern(rule, 200, 43));  // different seed, different firings
  size_t ones = std::count(a.begin(), a.end(), '1');
  EXPECT_GT(ones, 60u);  // about half
  EXPECT_LT(ones, 140u);
}

TEST(FaultScheduleTest, ProbabilityWithTimesCapsFirings) {
  std::string p = Pattern(
      R"({"op": "write", "action": "error", "probability": 0.5, "times": 3})",
      200, 42);
  EXPECT_EQ(std::count(p.begin(), p.end(), '1'), 3);
}

TEST(FaultScheduleTest, SameSeedSameFiringsAndRandomValues) {
  auto run = [](uint64_t seed) {
    FaultInjector inj(seed);
    inj.Add(MustParse(
        R"({"op": "read", "action": "corrupt", "corrupt": {"bitflips": 1}, "probability": 0.3})"));
    inj.Add(
        MustParse(R"({"op": "write", "action": "error", "probability": 0.6})"));
    std::ostringstream out;
    for (int i = 0; i < 100; ++i) {
      auto firing =
          inj.Evaluate(Op(i % 3 == 0 ? OpKind::kRead : OpKind::kWrite, "f"));
      out << (firing ? static_cast<int>(firing->rule_index) : -1) << ',';
      if (firing) out << inj.NextRandom() << ';';
    }
    return out.str();
  };
  EXPECT_EQ(run(9), run(9));
  EXPECT_NE(run(9), run(10));
  EXPECT_EQ(FaultInjector(5).seed(), 5u);
}

TEST(FaultScheduleTest, NonMatchingOpsDoNotCount) {
  FaultInjector inj;
  inj.Add(MustParse(
      R"({"op": "write", "path": "a", "action": "error", "nth": 2})"));
  EXPECT_FALSE(Fires(inj, Op(OpKind::kWrite, "a")));
  EXPECT_FALSE(Fires(inj, Op(OpKind::kWrite, "b")));
  EXPECT_FALSE(Fires(inj, Op(OpKind::kRead, "a")));
  EXPECT_TRUE(Fires(inj, Op(OpKind::kWrite, "a")));
}

TEST(FaultScheduleTest, FirstFiringRuleWinsAndEveryScheduleAdvances) {
  FaultInjector inj;
  inj.Add(MustParse(
      R"({"op": "write", "action": "error", "errno": "EIO", "nth": 2})"));
  inj.Add(MustParse(
      R"({"op": "write", "action": "error", "errno": "ENOSPC", "times": 2})"));
  inj.Add(MustParse(R"({"op": "write", "action": "fsync_lie", "nth": 3})"));
  // match 1: rule 0 no, rule 1 yes.
  auto f = inj.Evaluate(Op(OpKind::kWrite, "f"));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->rule_index, 1u);
  EXPECT_EQ(f->rule.err, ENOSPC);
  // match 2: rule 0 and rule 1 both fire; rule 0 wins, rule 1 uses up its
  // times.
  f = inj.Evaluate(Op(OpKind::kWrite, "f"));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->rule_index, 0u);
  // match 3: only rule 2 (its count advanced at matches 1 and 2 too).
  f = inj.Evaluate(Op(OpKind::kWrite, "f"));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->rule_index, 2u);
  EXPECT_FALSE(inj.Evaluate(Op(OpKind::kWrite, "f")));
}

TEST(FaultInjectorTest, AddClearAndRules) {
  FaultInjector inj;
  FaultRule r = MustParse(R"({"op": "write", "action": "error"})");
  inj.Add(r);
  ASSERT_EQ(inj.rules().size(), 1u);
  EXPECT_EQ(inj.rules()[0], r);
  inj.Record(InjectedFault{});
  inj.Clear();
  EXPECT_TRUE(inj.rules().empty());
  EXPECT_FALSE(Fires(inj, Op(OpKind::kWrite, "f")));
  EXPECT_EQ(inj.log().size(), 1u);  // the log stays
}

TEST(FaultInjectorTest, LogLimitKeepsTheLatestFaults) {
  FaultInjector inj;
  for (uint64_t i = 0; i < 5; ++i) inj.Record(InjectedFault{.op_index = i});
  inj.SetLogLimit(3);  // drops the two oldest at once
  ASSERT_EQ(inj.log().size(), 3u);
  EXPECT_EQ(inj.log()[0].op_index, 2u);
  for (uint64_t i = 5; i < 9; ++i) inj.Record(InjectedFault{.op_index = i});
  auto log = inj.log();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].op_index, 6u);
  EXPECT_EQ(log[2].op_index, 8u);
  EXPECT_EQ(inj.log_count(), 9u);
  inj.SetLogLimit(0);  // no limit: keeps everything from now on
  for (uint64_t i = 9; i < 20; ++i) inj.Record(InjectedFault{.op_index = i});
  EXPECT_EQ(inj.log().size(), 14u);
  EXPECT_EQ(inj.log_count(), 20u);
}

// ---------------------------------------------------------------------------
// FaultInjector: enospc_after_bytes

TEST(EnospcTest, BudgetShrinksWithWritesAndFiresWhenTooSmall) {
  FaultInjector inj;
  inj.Add(MustParse(
      R"({"op": "write", "path": "wal/*", "action": "enospc_after_bytes", "bytes": 100})"));
  // Non-firing matching writes are charged by Evaluate itself.
  EXPECT_FALSE(
      Fires(inj, Op(OpKind::kWrite, "wal/1", 40)));  // budget 100 -> 60
  EXPECT_FALSE(
      Fires(inj, Op(OpKind::kWrite, "data/1", 500)));  // does not match
  EXPECT_FALSE(
      Fires(inj, Op(OpKind::kWrite, "wal/1", 60)));  // exactly fits: 60 -> 0
  auto f = inj.Evaluate(Op(OpKind::kWrite, "wal/1", 1));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->bytes_allowed, 0u);
  EXPECT_FALSE(
      Fires(inj, Op(OpKind::kWrite, "wal/1", 0)));  // empty writes always fit
}

TEST(EnospcTest, PartialWriteThenConsumeBytes) {
  FaultInjector inj;
  inj.Add(MustParse(
      R"({"op": "write", "action": "enospc_after_bytes", "bytes": 100})"));
  EXPECT_FALSE(Fires(inj, Op(OpKind::kWrite, "f", 70)));  // 30 left
  auto f = inj.Evaluate(Op(OpKind::kWrite, "f", 50));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->rule_index, 0u);
  EXPECT_EQ(f->bytes_allowed, 30u);
  // A firing is not charged: without ConsumeBytes the budget is still 30.
  f = inj.Evaluate(Op(OpKind::kWrite, "f", 50));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->bytes_allowed, 30u);
  inj.ConsumeBytes(f->rule_index, f->bytes_allowed);
  EXPECT_FALSE(Fires(inj, Op(OpKind::kWrite, "f", 0)));
  f = inj.Evaluate(Op(OpKind::kWrite, "f", 1));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->bytes_allowed, 0u);
  inj.ConsumeBytes(f->rule_index, 1000);  // over-reporting never underflows
  f = inj.Evaluate(Op(OpKind::kWrite, "f", 1));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->bytes_allowed, 0u);
  inj.ConsumeBytes(99, 5);  // no such rule: ignored
}

TEST(EnospcTest, TimesLimitsFailuresNotTheBudget) {
  FaultInjector inj;
  inj.Add(MustParse(
      R"({"op": "write", "action": "enospc_after_bytes", "bytes": 10, "times": 1})"));
  EXPECT_FALSE(Fires(inj, Op(OpKind::kWrite, "f", 8)));
  EXPECT_TRUE(Fires(inj, Op(OpKind::kWrite, "f", 8)));
  EXPECT_FALSE(Fires(
      inj, Op(OpKind::kWrite, "f", 8)));  // space "freed": one failure only
}

// ---------------------------------------------------------------------------
// The injected-fault log

TEST(FaultLogTest, JsonLines) {
  FaultInjector inj;
  InjectedFault a;
  a.op_index = 12;
  a.op = OpKind::kWrite;
  a.path = "wal/1.log";
  a.offset = 4096;
  a.length = 4096;
  a.action = ActionKind::kShortWrite;
  a.err = 0;
  a.rule_index = 1;
  a.detail = "short write 100 of 4096 bytes";
  InjectedFault b;
  b.op_index = 13;
  b.op = OpKind::kRename;
  b.path = "db/CATALOG.tmp";
  b.action = ActionKind::kError;
  b.err = EIO;
  inj.Record(a);
  inj.Record(b);
  ASSERT_EQ(inj.log().size(), 2u);
  EXPECT_EQ(inj.log()[0].detail, a.detail);

  std::string lines = inj.LogAsJsonLines();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), '\n');
  std::istringstream in(lines);
  std::string line;
  std::vector<json> parsed;
  while (std::getline(in, line)) parsed.push_back(json::parse(line));
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0],
            json::parse(R"({"op_index": 12, "op": "write", "path": "wal/1.log",
      "offset": 4096, "length": 4096, "action": "short_write", "errno": null, "rule": 1,
      "detail": "short write 100 of 4096 bytes"})"));
  EXPECT_EQ(parsed[1]["errno"], "EIO");
  EXPECT_EQ(parsed[1]["op"], "rename");
  EXPECT_EQ(parsed[1]["action"], "error");
  EXPECT_EQ(parsed[1], b.ToJson());
}

TEST(FaultLogTest, NonUtf8PathDoesNotThrow) {
  FaultInjector inj;
  InjectedFault f;
  f.path = std::string("bad\xff", 4);
  inj.Record(f);
  EXPECT_NO_THROW({ (void)inj.LogAsJsonLines(); });
}

// ---------------------------------------------------------------------------
// Thread safety

TEST(FaultInjectorTest, ConcurrentEvaluateHonoursTimes) {
  FaultInjector inj(1);
  inj.Add(MustParse(R"({"op": "write", "action": "error", "times": 50})"));
  std::atomic<int> fired{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (Fires(inj, Op(OpKind::kWrite, "f"))) ++fired;
        (void)inj.NextRandom();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(fired.load(), 50);
}

}  // namespace
}  // namespace crashlab::faultfs
