#include "faultfs/crash_mode.h"

#include <gtest/gtest.h>

namespace crashlab::faultfs {
namespace {

TEST(CrashModeTest, ParsesEveryMode) {
  EXPECT_EQ(*CrashMode::Parse("drop"), CrashMode::Drop());
  EXPECT_EQ(*CrashMode::Parse("prefix:3"), CrashMode::Prefix(3));
  EXPECT_EQ(*CrashMode::Parse("torn"), CrashMode::Torn(0));
  EXPECT_EQ(*CrashMode::Parse("torn:9"), CrashMode::Torn(9));
  EXPECT_EQ(*CrashMode::Parse("random:42"), CrashMode::Random(42));
}

TEST(CrashModeTest, RoundTrips) {
  for (const char* text :
       {"drop", "prefix:0", "prefix:12", "torn", "torn:5", "random:7"}) {
    auto mode = CrashMode::Parse(text);
    ASSERT_TRUE(mode.ok()) << text;
    EXPECT_EQ(mode->ToString(), text);
  }
}

TEST(CrashModeTest, RejectsBadInput) {
  for (const char* text : {"", "dropp", "prefix", "prefix:", "prefix:x",
                           "random", "drop:1", "prefix:-1", "random:1x"}) {
    auto mode = CrashMode::Parse(text);
    EXPECT_FALSE(mode.ok()) << text;
    EXPECT_EQ(mode.status().err(), EINVAL);
  }
}

}  // namespace
}  // namespace crashlab::faultfs
