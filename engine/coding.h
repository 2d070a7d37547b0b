#pragma once
// Little-endian fixed-width and varint encodings, and a bounds-checked
// decoder that never reads past its input (fuzzed bytes are safe).

#include <cstdint>
#include <string>
#include <string_view>

namespace crashlab::engine {

void PutFixed32(std::string* dst, uint32_t v);
void PutFixed64(std::string* dst, uint64_t v);
void PutVarint64(std::string* dst, uint64_t v);
// varint length, then the bytes.
void PutLengthPrefixed(std::string* dst, std::string_view s);

uint32_t DecodeFixed32(const char* p);
uint64_t DecodeFixed64(const char* p);

// Consumes from the front of `in`; each Get returns false (and leaves `in`
// in an unspecified position) when the input is too short or malformed.
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool GetU8(uint8_t* v);
  bool GetFixed32(uint32_t* v);
  bool GetFixed64(uint64_t* v);
  bool GetVarint64(uint64_t* v);
  bool GetLengthPrefixed(std::string_view* s);
  bool GetBytes(size_t n, std::string_view* s);
  bool empty() const { return in_.empty(); }
  size_t remaining() const { return in_.size(); }

 private:
  std::string_view in_;
};

}  // namespace crashlab::engine
