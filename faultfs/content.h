#pragma once
// File content as a sparse map of shared, immutable 4 KiB pages (an absent
// page reads as zeros, so huge sparse files cost nothing). Copying a Content
// copies page pointers, not bytes; a write copies only the pages it touches
// (copy-on-write). This is what makes simulator snapshots cheap.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace crashlab::faultfs {

class Content {
 public:
  static constexpr uint64_t kPageSize = 4096;

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

 private:
  using Page = std::array<char, kPageSize>;
  Page& MutablePage(uint64_t index);

  std::map<uint64_t, std::shared_ptr<const Page>> pages_;  // absent = zeros
  uint64_t size_ = 0;
};

}  // namespace crashlab::faultfs
