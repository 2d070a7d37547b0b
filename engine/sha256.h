#pragma once
// SHA-256 via OpenSSL EVP, as lowercase hex. Checksums of manifests, state
// files and the catalog.

#include <string>
#include <string_view>

namespace crashlab::engine {

// 64 lowercase hex digits.
std::string Sha256Hex(std::string_view data);

}  // namespace crashlab::engine
