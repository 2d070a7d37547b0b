#include "faultfs/content.h"

#include <algorithm>
#include <cstring>

namespace crashlab::faultfs {

size_t Content::Read(uint64_t offset, void* buf, size_t n) const {
  if (offset >= size_) return 0;
  n = static_cast<size_t>(std::min<uint64_t>(n, size_ - offset));
  char* out = static_cast<char*>(buf);
  size_t done = 0;
  // One map lookup, then walk the stored pages in order.
  auto it = pages_.lower_bound(offset / kPageSize);
  while (done < n) {
    uint64_t pos = offset + done;
    uint64_t page = pos / kPageSize;
    size_t in_page = pos % kPageSize;
    size_t chunk = std::min<size_t>(n - done, kPageSize - in_page);
    if (it != pages_.end() && it->first == page) {
      std::memcpy(out + done, it->second->data() + in_page, chunk);
      ++it;
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

Content::Page& Content::OverwritePage(uint64_t index) {
  auto& slot = pages_[index];
  if (!slot || slot.use_count() > 1)
    slot = std::make_shared_for_overwrite<Page>();
  return const_cast<Page&>(*slot);
}

void Content::PutPage(uint64_t index, PagePtr page) {
  size_ = std::max(size_, (index + 1) * kPageSize);
  pages_[index] = std::move(page);
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
    // A page overwritten in full needs neither zeroing nor a copy of its old
    // bytes.
    Page& page = chunk == kPageSize ? OverwritePage(pos / kPageSize)
                                    : MutablePage(pos / kPageSize);
    std::memcpy(page.data() + in_page, data.data() + done, chunk);
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
        std::memset(last.data() + size % kPageSize, 0,
                    kPageSize - size % kPageSize);
      }
    }
  }
  size_ = size;
}

void Content::FlipBit(uint64_t bit) {
  uint64_t byte = bit / 8;
  if (byte >= size_) return;
  Page& page = MutablePage(byte / kPageSize);
  page[byte % kPageSize] =
      static_cast<char>(page[byte % kPageSize] ^ (1 << (bit % 8)));
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
    size_t len = static_cast<size_t>(
        std::min<uint64_t>(kPageSize, size_ - index * kPageSize));
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

// ---------------------------------------------------------------- WriteData

WriteData WriteData::Capture(const Content& written, uint64_t offset,
                             std::string_view data) {
  constexpr uint64_t P = Content::kPageSize;
  WriteData w;
  w.offset_ = offset;
  w.size_ = data.size();
  uint64_t end = offset + data.size();
  uint64_t first_full =
      (offset + P - 1) / P;     // first page the write covers in full
  uint64_t end_full = end / P;  // one past the last
  if (first_full >= end_full) {
    w.head_ = std::string(data);
    return w;
  }
  w.head_ =
      std::string(data.substr(0, static_cast<size_t>(first_full * P - offset)));
  w.pages_.reserve(static_cast<size_t>(end_full - first_full));
  for (uint64_t i = first_full; i < end_full; ++i) {
    Content::PagePtr page = written.SharedPage(i);
    if (!page)
      return FromBytes(offset, data);  // REQUIRES violated; stay correct
    w.pages_.push_back(std::move(page));
  }
  w.tail_ =
      std::string(data.substr(static_cast<size_t>(end_full * P - offset)));
  return w;
}

WriteData WriteData::FromBytes(uint64_t offset, std::string_view data) {
  WriteData w;
  w.offset_ = offset;
  w.size_ = data.size();
  w.head_ = std::string(data);
  return w;
}

void WriteData::ApplyTo(Content& content, uint64_t len) const {
  uint64_t end = offset_ + std::min(len, size_);
  uint64_t pos = offset_;
  auto write = [&](std::string_view bytes) {
    if (pos < end)
      content.Write(pos, bytes.substr(0, static_cast<size_t>(std::min<uint64_t>(
                                             bytes.size(), end - pos))));
    pos += bytes.size();
  };
  write(head_);
  for (const auto& page : pages_) {
    if (pos + Content::kPageSize <= end) {
      content.PutPage(pos / Content::kPageSize, page);
      pos += Content::kPageSize;
    } else {
      write(std::string_view(page->data(), Content::kPageSize));
    }
  }
  write(tail_);
}

std::string WriteData::ToString() const {
  std::string out;
  out.reserve(static_cast<size_t>(size_));
  ForEach(size_, [&](uint64_t, std::string_view piece) { out.append(piece); });
  return out;
}

}  // namespace crashlab::faultfs
