#include "faultfs/content.h"

#include <gtest/gtest.h>

namespace crashlab::faultfs {
namespace {

std::string Pattern(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i % 23);
  return s;
}

TEST(WriteDataTest, CaptureSharesWholePagesAndCopiesEdges) {
  Content c;
  std::string data = Pattern(3 * Content::kPageSize + 300, 'a');
  uint64_t off = 100;  // covers pages 1 and 2 in full, 0 and 3 in part
  c.Write(off, data);
  WriteData w = WriteData::Capture(c, off, data);
  EXPECT_EQ(w.offset(), off);
  EXPECT_EQ(w.size(), data.size());
  EXPECT_EQ(w.ToString(), data);
  Content d;
  w.ApplyTo(d);
  EXPECT_EQ(d.PageData(1), c.PageData(1));  // shared, not copied
  EXPECT_EQ(d.PageData(2), c.PageData(2));
  EXPECT_NE(d.PageData(0), c.PageData(0));  // edges are copies
  EXPECT_EQ(d.ReadAll().substr(off), data);
  EXPECT_EQ(d.size(), off + data.size());
}

TEST(WriteDataTest, LaterWritesDoNotChangeCapturedBytes) {
  Content c;
  std::string data = Pattern(2 * Content::kPageSize, 'k');
  c.Write(0, data);
  WriteData w = WriteData::Capture(c, 0, data);
  c.Write(0,
          std::string(2 * Content::kPageSize, 'z'));  // full pages: fresh ones
  c.Write(10, "yy");                                  // partial: copy-on-write
  EXPECT_EQ(w.ToString(), data);
  Content d;
  w.ApplyTo(d);
  EXPECT_EQ(d.ReadAll(), data);
}

TEST(WriteDataTest, ApplyPrefixAndPieces) {
  for (uint64_t off : {0ull, 1ull, 4095ull, 4096ull, 5000ull}) {
    for (size_t n : {size_t{1}, size_t{512}, size_t{4096}, size_t{9000},
                     size_t{3 * 4096}}) {
      std::string data = Pattern(n, static_cast<char>('A' + n % 7));
      Content c;
      c.Write(0, std::string(20000, '.'));
      c.Write(off, data);
      WriteData w = WriteData::Capture(c, off, data);
      for (uint64_t keep : {uint64_t{0}, uint64_t{1}, uint64_t{512},
                            uint64_t{4096}, uint64_t{n}}) {
        if (keep > n) continue;
        Content base;
        base.Write(0, std::string(20000, '.'));
        Content expect = base;
        expect.Write(off, std::string_view(data).substr(0, keep));
        w.ApplyTo(base, keep);
        EXPECT_TRUE(base == expect)
            << "off " << off << " n " << n << " keep " << keep;
      }
      std::string joined;
      uint64_t next = off;
      w.ForEach(n, [&](uint64_t pos, std::string_view piece) {
        EXPECT_EQ(pos, next);
        next += piece.size();
        joined.append(piece);
      });
      EXPECT_EQ(joined, data);
    }
  }
}

TEST(WriteDataTest, PutPageGrowsAndZeroGapStaysZero) {
  Content c;
  c.Write(0, "abc");
  Content src;
  src.Write(0, std::string(3 * Content::kPageSize, 'q'));
  c.PutPage(2, src.SharedPage(2));
  EXPECT_EQ(c.size(), 3 * Content::kPageSize);
  std::string all = c.ReadAll();
  EXPECT_EQ(all.substr(0, 3), "abc");
  EXPECT_EQ(all.substr(3, 2 * Content::kPageSize - 3),
            std::string(2 * Content::kPageSize - 3, '\0'));
  EXPECT_EQ(all.substr(2 * Content::kPageSize),
            std::string(Content::kPageSize, 'q'));
}

TEST(ContentTest, WriteReadAcrossPages) {
  Content c;
  std::string data(10000, 'x');
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<char>('a' + i % 26);
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
