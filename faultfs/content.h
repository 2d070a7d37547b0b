#pragma once
// File content as a sparse map of shared, immutable 4 KiB pages (an absent
// page reads as zeros, so huge sparse files cost nothing). Copying a Content
// copies page pointers, not bytes; a write copies only the pages it touches
// (copy-on-write). This is what makes simulator snapshots cheap.

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace crashlab::faultfs {

class Content {
 public:
  static constexpr uint64_t kPageSize = 4096;
  using Page = std::array<char, kPageSize>;
  // A stored page. Pages are immutable once shared: a Content that writes to
  // a page someone else also holds copies it first.
  using PagePtr = std::shared_ptr<const Page>;

  uint64_t size() const { return size_; }
  // Copies up to n bytes at offset into buf; returns the count.
  size_t Read(uint64_t offset, void* buf, size_t n) const;
  std::string ReadAll() const;
  // Writes bytes at offset, growing the file (with zeros in any gap).
  void Write(uint64_t offset, std::string_view data);
  // Sets the size; growing fills with zeros.
  void Resize(uint64_t size);
  // Applies `fn(byte&)` style damage: xor a bit at absolute bit position.
  void FlipBit(uint64_t bit);
  bool operator==(const Content& other) const;
  // Calls fn(index, bytes) for every stored page in index order; `bytes`
  // points at kPageSize bytes. Pages shared between copies have the same
  // address, so comparing addresses finds the pages a write touched. Absent
  // pages read as zeros. (Used by the faultfs daemon's backing mirror.)
  template <typename Fn>
  void ForEachPage(Fn&& fn) const {
    for (const auto& [index, page] : pages_) fn(index, page->data());
  }
  // The address ForEachPage would give for page `index`, nullptr if absent.
  const char* PageData(uint64_t index) const {
    auto it = pages_.find(index);
    return it == pages_.end() ? nullptr : it->second->data();
  }
  // Page `index` itself (shared, not copied), nullptr if absent.
  PagePtr SharedPage(uint64_t index) const {
    auto it = pages_.find(index);
    return it == pages_.end() ? nullptr : it->second;
  }
  // Makes `page` (not null) page `index`, as a Write of its kPageSize bytes
  // at index * kPageSize would, without copying them.
  void PutPage(uint64_t index, PagePtr page);
  // For an undo log: fn(index, page) for the stored pages with index in
  // [first, last]; ErasePages drops them; RestorePage puts one back (size
  // unchanged).
  template <typename Fn>
  void ForEachPageIn(uint64_t first, uint64_t last, Fn&& fn) const {
    for (auto it = pages_.lower_bound(first);
         it != pages_.end() && it->first <= last; ++it)
      fn(it->first, it->second);
  }
  void ErasePages(uint64_t first, uint64_t last) {
    pages_.erase(pages_.lower_bound(first), pages_.upper_bound(last));
  }
  void RestorePage(uint64_t index, PagePtr page) {
    pages_[index] = std::move(page);
  }

 private:
  Page& MutablePage(uint64_t index);
  // A page of its own for `index` whose bytes the caller overwrites in full.
  Page& OverwritePage(uint64_t index);

  std::map<uint64_t, std::shared_ptr<const Page>> pages_;  // absent = zeros
  uint64_t size_ = 0;
};

// The bytes of one write, [offset, offset + size()), captured from the
// Content the write went into: the pages the write covered in full are shared
// with that Content (no copy; a later write to them copies them there), the
// partial pages at either end are copied. So a pending write costs no second
// copy of its data, and a small write pins no more than its own bytes.
class WriteData {
 public:
  // REQUIRES: `written` holds `data` at `offset` (Content::Write just ran).
  static WriteData Capture(const Content& written, uint64_t offset,
                           std::string_view data);
  // From plain bytes (nothing shared).
  static WriteData FromBytes(uint64_t offset, std::string_view data);

  uint64_t offset() const { return offset_; }
  uint64_t size() const { return size_; }
  // Calls fn(file_offset, std::string_view) for the bytes of
  // [offset, offset + min(size, len)) in order, in contiguous pieces.
  template <typename Fn>
  void ForEach(uint64_t len, Fn&& fn) const;
  // Writes the first `len` bytes (all if len >= size()) into `content`,
  // sharing whole pages rather than copying them.
  void ApplyTo(Content& content, uint64_t len = UINT64_MAX) const;
  std::string ToString() const;

 private:
  uint64_t offset_ = 0;
  uint64_t size_ = 0;
  std::string head_;  // [offset, first full page) or all of a small write
  std::vector<Content::PagePtr>
      pages_;         // whole pages from the first full page on
  std::string tail_;  // after the last whole page
};

template <typename Fn>
void WriteData::ForEach(uint64_t len, Fn&& fn) const {
  uint64_t end = offset_ + std::min(len, size_);
  uint64_t pos = offset_;
  auto emit = [&](const char* p, uint64_t n) {
    if (pos >= end || n == 0) {
      pos += n;
      return;
    }
    uint64_t take = std::min(n, end - pos);
    fn(pos, std::string_view(p, static_cast<size_t>(take)));
    pos += n;
  };
  emit(head_.data(), head_.size());
  for (const auto& page : pages_) emit(page->data(), Content::kPageSize);
  emit(tail_.data(), tail_.size());
}

}  // namespace crashlab::faultfs
