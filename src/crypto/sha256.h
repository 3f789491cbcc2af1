// SHA-256, double SHA-256 and BIP340 tagged hashes, through OpenSSL's EVP interface (which picks
// SHA-NI / AVX2 code paths by itself).
//
// Thread-safety: the free functions are thread-safe (each thread reuses its own EVP context).
// A Sha256 object is thread-compatible.
#pragma once

#include <array>
#include <memory>
#include <string_view>

#include "crypto/uint256.h"
#include "util/bytes.h"

struct evp_md_ctx_st;

namespace parthenon::crypto {

using Digest = std::array<std::byte, 32>;

// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256& other);  // copies the running state (a midstate)
  Sha256& operator=(const Sha256& other);
  Sha256(Sha256&&) noexcept = default;
  Sha256& operator=(Sha256&&) noexcept = default;

  Sha256& Write(util::ByteSpan data);
  // Returns the digest and resets the object to the empty state.
  Digest Finalize();
  void Reset();

 private:
  struct CtxDeleter {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx_;
};

Digest Sha256Hash(util::ByteSpan data);
// SHA256(SHA256(data)), Bitcoin's hash of headers, transactions and message payloads.
Uint256 Sha256d(util::ByteSpan data);

// BIP340 tagged hash: SHA256(SHA256(tag) || SHA256(tag) || data). The hasher keeps the state
// after the 64-byte prefix, so each use costs only the hashing of `data`.
class TaggedHasher {
 public:
  explicit TaggedHasher(std::string_view tag);
  // A Sha256 that has absorbed the tag prefix; write the data, then Finalize().
  Sha256 Start() const { return prefix_; }
  Digest Hash(util::ByteSpan data) const;

 private:
  Sha256 prefix_;
};

Digest TaggedHash(std::string_view tag, util::ByteSpan data);

}  // namespace parthenon::crypto
