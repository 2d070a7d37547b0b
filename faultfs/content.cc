#include "faultfs/content.h"

#include <algorithm>
#include <cstring>

namespace crashlab::faultfs {

size_t Content::Read(uint64_t offset, void* buf, size_t n) const {
  if (offset >= size_) return 0;
  n = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
  char* out = static_cast<char*>(buf);
  size_t done = 0;
  while (done < n) {
    uint64_t pos = offset + done;
    uint64_t page = pos / kPageSize;
    size_t in_page = pos % kPageSize;
    size_t chunk = std::min<size_t>(n - done, kPageSize - in_page);
    auto it = pages_.find(page);
    if (it != pages_.end()) {
      std::memcpy(out + done, it->second->data() + in_page, chunk);
    } else {
      std::memset(out + done, 0, chunk);
    }
    done += chunk;
  }
  return n;
}

std::string Content::ReadAll() const {
  std::string out(size_, '\0');
  Read(0, out.data(), out.size());
  return out;
}

Content::Page& Content::MutablePage(uint64_t index) {
  auto& slot = pages_[index];
  if (!slot) {
    auto fresh = std::make_shared<Page>();
    fresh->fill(0);
    slot = fresh;
  } else if (slot.use_count() > 1) {
    slot = std::make_shared<Page>(*slot);
  }
  // The page is now referenced by this Content alone, so writing is safe.
  return const_cast<Page&>(*slot);
}

void Content::Write(uint64_t offset, std::string_view data) {
  if (data.empty()) return;
  uint64_t end = offset + data.size();
  if (end > size_) size_ = end;
  size_t done = 0;
  while (done < data.size()) {
    uint64_t pos = offset + done;
    size_t in_page = pos % kPageSize;
    size_t chunk = std::min<size_t>(data.size() - done, kPageSize - in_page);
    std::memcpy(MutablePage(pos / kPageSize).data() + in_page, data.data() + done, chunk);
    done += chunk;
  }
}

void Content::Resize(uint64_t size) {
  if (size < size_) {
    uint64_t keep_pages = (size + kPageSize - 1) / kPageSize;
    pages_.erase(pages_.lower_bound(keep_pages), pages_.end());
    // Zero the tail of the last kept page so a later grow reads zeros.
    if (size % kPageSize != 0) {
      auto it = pages_.find(keep_pages - 1);
      if (it != pages_.end()) {
        Page& last = MutablePage(keep_pages - 1);
        std::memset(last.data() + size % kPageSize, 0, kPageSize - size % kPageSize);
      }
    }
  }
  size_ = size;
}

void Content::FlipBit(uint64_t bit) {
  uint64_t byte = bit / 8;
  if (byte >= size_) return;
  Page& page = MutablePage(byte / kPageSize);
  page[byte % kPageSize] = static_cast<char>(page[byte % kPageSize] ^ (1 << (bit % 8)));
}

bool Content::operator==(const Content& other) const {
  if (size_ != other.size_) return false;
  static const Page kZero{};
  auto page_at = [](const Content& c, uint64_t index) -> const Page* {
    auto it = c.pages_.find(index);
    return it == c.pages_.end() ? &kZero : it->second.get();
  };
  // Compare every page either side has; pages both lack are zeros on both.
  auto check = [&](uint64_t index) {
    const Page* a = page_at(*this, index);
    const Page* b = page_at(other, index);
    if (a == b) return true;
    size_t len = static_cast<size_t>(std::min<uint64_t>(kPageSize, size_ - index * kPageSize));
    return std::memcmp(a->data(), b->data(), len) == 0;
  };
  for (const auto& [index, page] : pages_) {
    if (!check(index)) return false;
  }
  for (const auto& [index, page] : other.pages_) {
    if (!check(index)) return false;
  }
  return true;
}

}  // namespace crashlab::faultfs
