// The fuse-mode worker protocol (harness/worker_protocol.h): every event
// written by the worker parses back into the same values, RecoveryOutcome
// survives a JSON round trip, and malformed lines are errors that say why.
#include "harness/fuse/worker_protocol.h"

#include <gtest/gtest.h>

namespace crashlab::harness {
namespace {

WorkerEvent Parse(const std::string& line) {
  auto ev = ParseWorkerEvent(line);
  EXPECT_TRUE(ev.ok()) << ev.status().ToString() << ": " << line;
  return ev.ok() ? *ev : WorkerEvent{};
}

TEST(WorkerProtocol, EventsRoundTripIntoAReport) {
  faultfs::TraceEntry op0{
      .index = 0, .op = faultfs::OpKind::kCreate, .path = "wal/wal-1.log"};
  faultfs::TraceEntry op1{.index = 1,
                          .op = faultfs::OpKind::kWrite,
                          .path = "wal/wal-1.log",
                          .offset = 4096,
                          .length = 100,
                          .result = ENOSPC,
                          .fault = "enospc_after_bytes"};
  faultfs::TraceEntry op2{.index = 2,
                          .op = faultfs::OpKind::kRename,
                          .path = "a.tmp",
                          .path2 = "a",
                          .result = EIO};
  faultfs::InjectedFault fault{.op_index = 1,
                               .op = faultfs::OpKind::kWrite,
                               .path = "wal/wal-1.log",
                               .offset = 4096,
                               .length = 100,
                               .action = faultfs::ActionKind::kEnospcAfterBytes,
                               .err = EIO,
                               .rule_index = 2,
                               .detail = "ENOSPC"};
  std::vector<std::string> lines = {
      OpEventLine(op0),
      FaultEventLine(fault),
      OpEventLine(op1),
      OpEventLine(op2),
      AckEventLine(AckEvent{.at = 3, .durable_lsn = 7}),
      CheckpointAckEventLine(CheckpointAck{.at = 3, .id = "ckpt-0000000001"}),
      StepEventLine(
          StepSpan{.step = -1, .begin = 0, .end = 3, .outcome = "ok"}),
      StepEventLine(StepSpan{.step = 4,
                             .begin = 3,
                             .end = 3,
                             .outcome = "EIO (Input/output error): x"}),
      NoteEventLine("fault rule never fired: step 2 {...}"),
      ExceptionEventLine(3, "std::bad_alloc"),
      DoneEventLine(3),
  };
  WorkerReport r;
  for (const auto& line : lines)
    ASSERT_TRUE(AddWorkerEvent(Parse(line), &r).ok()) << line;
  ASSERT_EQ(r.ops.size(), 3u);
  EXPECT_EQ(r.ops[0], (faultfs::TraceEntry{.index = 0,
                                           .op = faultfs::OpKind::kCreate,
                                           .path = "wal/wal-1.log"}));
  op1.persistence_point = false;
  EXPECT_EQ(r.ops[1], op1);
  EXPECT_EQ(r.ops[2], op2);
  ASSERT_EQ(r.faults.size(), 1u);
  EXPECT_EQ(r.faults[0].ToJson(), fault.ToJson());
  ASSERT_EQ(r.acks.size(), 1u);
  EXPECT_EQ(r.acks[0].at, 3u);
  EXPECT_EQ(r.acks[0].durable_lsn, 7u);
  ASSERT_EQ(r.checkpoint_acks.size(), 1u);
  EXPECT_EQ(r.checkpoint_acks[0].id, "ckpt-0000000001");
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_EQ(r.steps[0].step, -1);
  EXPECT_EQ(r.steps[1].outcome, "EIO (Input/output error): x");
  EXPECT_EQ(r.notes,
            std::vector<std::string>{"fault rule never fired: step 2 {...}"});
  ASSERT_TRUE(r.exception.has_value());
  EXPECT_EQ(r.exception->second, "std::bad_alloc");
  EXPECT_EQ(r.done_ops, std::optional<uint64_t>(3));
  EXPECT_FALSE(r.crash_point.has_value());

  WorkerReport stopped;
  ASSERT_TRUE(AddWorkerEvent(Parse(CrashPointEventLine(41)), &stopped).ok());
  EXPECT_EQ(stopped.crash_point, std::optional<uint64_t>(41));
  ASSERT_TRUE(
      AddWorkerEvent(Parse(ErrorEventLine("mount gone")), &stopped).ok());
  EXPECT_EQ(stopped.error, "mount gone");
}

TEST(WorkerProtocol, TheDocumentedOpLineParses) {
  WorkerReport r;
  ASSERT_TRUE(
      AddWorkerEvent(
          Parse(
              R"({"event":"op","index":0,"op":"write","path":"wal/wal-1.log","result":0})"),
          &r)
          .ok());
  ASSERT_TRUE(
      AddWorkerEvent(
          Parse(
              R"({"event":"op","index":1,"op":"fsync","path":"wal","result":5})"),
          &r)
          .ok());
  EXPECT_EQ(r.ops[1].result, EIO);
  EXPECT_TRUE(r.ops[1].persistence_point);
}

TEST(WorkerProtocol, RecoveryOutcomeRoundTrip) {
  RecoveryOutcome o;
  o.ok = true;
  o.result.ok = true;
  o.result.checkpoint_id = "ckpt-0000000002";
  o.result.epoch = 2;
  o.result.wal_position = 40;
  o.result.skipped_checkpoints = {"ckpt-0000000003"};
  o.result.records_replayed = 5;
  o.result.bytes_repersisted = 321;
  o.result.last_lsn = 45;
  o.result.bytes_cut = 12;
  o.result.torn_segment = "wal/wal-41.log";
  o.result.keys = 2;
  o.result.catalog = {"ckpt-0000000001", "ckpt-0000000002"};
  o.result.problems = {
      engine::Problem{
          .code = "wal-torn-tail", .path = "wal/wal-41.log", .message = "cut"},
      engine::Problem{
          .code = "io-error", .path = "x", .message = "m", .err = ENOSPC}};
  o.result.deleted = {"checkpoints/ckpt-0000000000"};
  o.dump.kv = {{"k1", "v1"}, {"k2", "v2"}};
  o.dump.source_offsets = {{"src", 17}};
  o.dump.watermark = 9;
  o.catalog = {"ckpt-0000000001", "ckpt-0000000002"};
  o.deleted = {"checkpoints/ckpt-0000000000/MANIFEST.json"};
  o.faults = {faultfs::InjectedFault{.op_index = 3,
                                     .op = faultfs::OpKind::kRead,
                                     .path = "p",
                                     .action = faultfs::ActionKind::kCorrupt,
                                     .err = EIO,
                                     .detail = "d"}};
  o.trace = {
      faultfs::TraceEntry{
          .index = 0, .op = faultfs::OpKind::kStat, .path = "checkpoints"},
      faultfs::TraceEntry{.index = 1,
                          .op = faultfs::OpKind::kRead,
                          .path = "p",
                          .offset = 0,
                          .length = 65536,
                          .fault = "corrupt"},
      faultfs::TraceEntry{.index = 2,
                          .op = faultfs::OpKind::kFsync,
                          .path = "p",
                          .result = EIO,
                          .persistence_point = true}};
  o.catalog_present = true;
  o.catalog_ok = true;
  o.newest_id = "ckpt-0000000002";
  o.newest_problems = {
      engine::Problem{.code = "state-missing", .path = "s", .message = "gone"}};
  o.committed_dirs = {"ckpt-0000000001"};
  o.idempotence_failure = "a crash after recovery op 1 ...";
  o.nested_states = 8;

  auto back = RecoveryOutcomeFromJson(RecoveryOutcomeToJson(o));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(RecoveryOutcomeToJson(*back), RecoveryOutcomeToJson(o));
  EXPECT_EQ(back->result.problems, o.result.problems);
  EXPECT_TRUE(back->dump == o.dump);
  EXPECT_EQ(back->trace, o.trace);
  EXPECT_EQ(back->newest_problems, o.newest_problems);
  EXPECT_EQ(back->idempotence_failure, o.idempotence_failure);

  // Through the "recovery" event line, too.
  WorkerEvent ev = Parse(RecoveryEventLine(o));
  EXPECT_EQ(ev.kind, WorkerEvent::Kind::kRecovery);
  auto again = RecoveryOutcomeFromJson(ev.body);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(RecoveryOutcomeToJson(*again), RecoveryOutcomeToJson(o));

  RecoveryOutcome failed;
  failed.status = "catalog-missing: ...";
  failed.result.error = failed.status;
  auto f = RecoveryOutcomeFromJson(RecoveryOutcomeToJson(failed));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_FALSE(f->ok);
  EXPECT_FALSE(f->idempotence_failure.has_value());
}

TEST(WorkerProtocol, BadLinesAreErrorsThatSayWhy) {
  struct Case {
    const char* line;
    const char* says;
  };
  for (const Case& c : std::vector<Case>{
           {"", "not valid JSON"},
           {"{\"event\":\"op\"", "not valid JSON"},
           {"[1,2]", "must be a JSON object"},
           {"{}", "missing \"event\""},
           {"{\"event\":7}", "\"event\" must be a string"},
           {"{\"event\":\"explode\"}", "unknown event \"explode\""},
           {"{\"event\":\"op\",\"op\":\"write\",\"path\":\"a\",\"result\":0}",
            "missing \"index\""},
           {"{\"event\":\"op\",\"index\":-1,\"op\":\"write\",\"path\":\"a\","
            "\"result\":0}",
            "\"index\" must be"},
           {"{\"event\":\"op\",\"index\":0,\"op\":\"scribble\",\"path\":\"a\","
            "\"result\":0}",
            "unknown operation"},
           {"{\"event\":\"op\",\"index\":0,\"op\":\"write\",\"path\":\"a\","
            "\"result\":\"EWHAT\"}",
            "\"result\""},
           {"{\"event\":\"ack\",\"at\":1}", "missing \"durable_lsn\""},
           {"{\"event\":\"checkpoint_ack\",\"at\":1,\"id\":3}",
            "\"id\" must be a string"},
           {"{\"event\":\"step\",\"step\":0,\"begin\":0,\"end\":1}",
            "missing \"outcome\""},
           {"{\"event\":\"fault\",\"op_index\":0,\"op\":\"write\",\"path\":"
            "\"a\",\"action\":\"smash\"}",
            "unknown fault action"},
           {"{\"event\":\"crash_point\"}", "missing \"op\""},
           {"{\"event\":\"done\",\"ops\":\"many\"}", "\"ops\" must be"},
           {"{\"event\":\"recovery\",\"ok\":true}", "missing \"threw\""},
           {"{\"event\":\"error\"}", "missing \"message\""},
       }) {
    auto ev = ParseWorkerEvent(c.line);
    ASSERT_FALSE(ev.ok()) << c.line;
    EXPECT_NE(ev.status().ToString().find(c.says), std::string::npos)
        << c.line << " -> " << ev.status().ToString();
  }
  // Operations must come numbered 0, 1, 2, ...
  WorkerReport r;
  auto gap = ParseWorkerEvent(
      R"({"event":"op","index":5,"op":"write","path":"a","result":0})");
  ASSERT_TRUE(gap.ok());
  EXPECT_FALSE(AddWorkerEvent(*gap, &r).ok());
}

}  // namespace
}  // namespace crashlab::harness
