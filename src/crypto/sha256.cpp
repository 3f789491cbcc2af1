#include "crypto/sha256.h"

#include <openssl/evp.h>

#include <cassert>
#include <cstdlib>

namespace parthenon::crypto {
namespace {

// Fetched once: EVP_sha256() would make every EVP_DigestInit look the algorithm up again.
const EVP_MD* Sha256Md() {
  static EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) std::abort();  // OpenSSL without SHA-256 cannot run a node
    return fetched;
  }();
  return md;
}

void Check(int ok) {
  if (ok != 1) std::abort();  // only fails on allocation failure or a broken OpenSSL
}

void Init(EVP_MD_CTX* ctx) { Check(EVP_DigestInit_ex2(ctx, Sha256Md(), nullptr)); }

Digest Final(EVP_MD_CTX* ctx) {
  Digest out;
  Check(EVP_DigestFinal_ex(ctx, util::WritableUChars(out), nullptr));
  return out;
}

// One EVP context per thread, reused by the one-shot functions.
EVP_MD_CTX* ThreadContext() {
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                         &EVP_MD_CTX_free);
  if (!ctx) std::abort();
  return ctx.get();
}

}  // namespace

void Sha256::CtxDeleter::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) std::abort();
  Init(ctx_.get());
}

Sha256::~Sha256() = default;

Sha256::Sha256(const Sha256& other) : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) std::abort();
  Check(EVP_MD_CTX_copy_ex(ctx_.get(), other.ctx_.get()));
}

Sha256& Sha256::operator=(const Sha256& other) {
  if (this != &other) Check(EVP_MD_CTX_copy_ex(ctx_.get(), other.ctx_.get()));
  return *this;
}

Sha256& Sha256::Write(util::ByteSpan data) {
  assert(ctx_ && "use of a moved-from Sha256");
  Check(EVP_DigestUpdate(ctx_.get(), data.data(), data.size()));
  return *this;
}

Digest Sha256::Finalize() {
  Digest out = Final(ctx_.get());
  Init(ctx_.get());
  return out;
}

void Sha256::Reset() { Init(ctx_.get()); }

Digest Sha256Hash(util::ByteSpan data) {
  EVP_MD_CTX* ctx = ThreadContext();
  Init(ctx);
  Check(EVP_DigestUpdate(ctx, data.data(), data.size()));
  return Final(ctx);
}

Uint256 Sha256d(util::ByteSpan data) {
  EVP_MD_CTX* ctx = ThreadContext();
  Init(ctx);
  Check(EVP_DigestUpdate(ctx, data.data(), data.size()));
  const Digest first = Final(ctx);
  Init(ctx);
  Check(EVP_DigestUpdate(ctx, first.data(), first.size()));
  Uint256 out;
  Check(EVP_DigestFinal_ex(ctx, util::WritableUChars(out.span()), nullptr));
  return out;
}

TaggedHasher::TaggedHasher(std::string_view tag) {
  const Digest tag_hash = Sha256Hash(util::AsBytes(tag));
  prefix_.Write(tag_hash).Write(tag_hash);
}

Digest TaggedHasher::Hash(util::ByteSpan data) const {
  Sha256 hasher = prefix_;
  return hasher.Write(data).Finalize();
}

Digest TaggedHash(std::string_view tag, util::ByteSpan data) {
  return TaggedHasher(tag).Hash(data);
}

}  // namespace parthenon::crypto
