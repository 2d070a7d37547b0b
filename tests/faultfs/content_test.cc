#include "faultfs/content.h"

#include <gtest/gtest.h>

namespace crashlab::faultfs {
namespace {

TEST(ContentTest, WriteReadAcrossPages) {
  Content c;
  std::string data(10000, 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  c.Write(100, data);
  EXPECT_EQ(c.size(), 10100u);
  std::string all = c.ReadAll();
  EXPECT_EQ(all.substr(0, 100), std::string(100, '\0'));
  EXPECT_EQ(all.substr(100), data);
}

TEST(ContentTest, CopiesShareUntilWritten) {
  Content a;
  a.Write(0, std::string(8192, 'a'));
  Content b = a;
  b.Write(5000, "zz");
  EXPECT_EQ(a.ReadAll(), std::string(8192, 'a'));
  EXPECT_EQ(b.ReadAll().substr(5000, 2), "zz");
  EXPECT_FALSE(a == b);
}

TEST(ContentTest, ShrinkThenGrowReadsZeros) {
  Content c;
  c.Write(0, std::string(5000, 'q'));
  c.Resize(10);
  c.Resize(5000);
  std::string all = c.ReadAll();
  EXPECT_EQ(all.substr(0, 10), std::string(10, 'q'));
  EXPECT_EQ(all.substr(10), std::string(4990, '\0'));
}

TEST(ContentTest, SparseWriteAndFlipBit) {
  Content c;
  c.Write(3 * Content::kPageSize, "end");
  EXPECT_EQ(c.size(), 3 * Content::kPageSize + 3);
  c.FlipBit(0);
  EXPECT_EQ(c.ReadAll()[0], '\x01');
  Content zero;
  zero.Resize(c.size());
  zero.Write(3 * Content::kPageSize, "end");
  EXPECT_FALSE(c == zero);
  zero.FlipBit(0);
  EXPECT_TRUE(c == zero);
}

}  // namespace
}  // namespace crashlab::faultfs
