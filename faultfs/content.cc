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
    size_t page = pos / kPageSize;
    size_t in_page = pos % kPageSize;
    size_t chunk = std::min<size_t>(n - done, kPageSize - in_page);
    if (page < pages_.size() && pages_[page]) {
      std::memcpy(out + done, pages_[page]->data() + in_page, chunk);
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

Content::Page& Content::MutablePage(size_t index) {
  auto& slot = pages_[index];
  if (!slot) {
    auto fresh = std::make_shared<Page>();
    fresh->fill(0);
    slot = fresh;
  } else if (slot.use_count() > 1) {
    slot = std::make_shared<Page>(*slot);
  }
  // The page is now owned by this Content alone.
  return const_cast<Page&>(*slot);
}

void Content::Write(uint64_t offset, std::string_view data) {
  if (data.empty()) {
    return;
  }
  uint64_t end = offset + data.size();
  if (end > size_) Resize(end);
  size_t done = 0;
  while (done < data.size()) {
    uint64_t pos = offset + done;
    size_t page = pos / kPageSize;
    size_t in_page = pos % kPageSize;
    size_t chunk = std::min<size_t>(data.size() - done, kPageSize - in_page);
    std::memcpy(MutablePage(page).data() + in_page, data.data() + done, chunk);
    done += chunk;
  }
}

void Content::Resize(uint64_t size) {
  if (size < size_) {
    // Zero the tail of the last kept page so a later grow reads zeros.
    size_t keep_pages = (size + kPageSize - 1) / kPageSize;
    pages_.resize(keep_pages);
    if (size % kPageSize != 0 && pages_.back()) {
      Page& last = MutablePage(keep_pages - 1);
      std::memset(last.data() + size % kPageSize, 0, kPageSize - size % kPageSize);
    }
  } else {
    pages_.resize((size + kPageSize - 1) / kPageSize);
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
  size_t n = std::max(pages_.size(), other.pages_.size());
  static const Page kZero{};
  for (size_t i = 0; i < n; ++i) {
    const Page* a = i < pages_.size() && pages_[i] ? pages_[i].get() : &kZero;
    const Page* b = i < other.pages_.size() && other.pages_[i] ? other.pages_[i].get() : &kZero;
    if (a == b) continue;
    size_t len = static_cast<size_t>(std::min<uint64_t>(kPageSize, size_ - i * kPageSize));
    if (std::memcmp(a->data(), b->data(), len) != 0) return false;
  }
  return true;
}

}  // namespace crashlab::faultfs
