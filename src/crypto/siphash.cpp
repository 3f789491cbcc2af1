#include "crypto/siphash.h"

#include <array>
#include <bit>
#include <span>

#include "crypto/random.h"

namespace parthenon::crypto {
namespace {

struct SipState {
  uint64_t v0, v1, v2, v3;

  explicit SipState(const SipKey& key)
      : v0(0x736f6d6570736575ULL ^ key.k0),
        v1(0x646f72616e646f6dULL ^ key.k1),
        v2(0x6c7967656e657261ULL ^ key.k0),
        v3(0x7465646279746573ULL ^ key.k1) {}

  void Round() {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  }

  // Two compression rounds per 8-byte word.
  void Absorb(uint64_t word) {
    v3 ^= word;
    Round();
    Round();
    v0 ^= word;
  }

  // Four finalization rounds.
  uint64_t Finish() {
    v2 ^= 0xff;
    Round();
    Round();
    Round();
    Round();
    return v0 ^ v1 ^ v2 ^ v3;
  }
};

}  // namespace

uint64_t SipHash24(const SipKey& key, util::ByteSpan data) {
  SipState state(key);
  const size_t whole = data.size() / 8 * 8;
  for (size_t i = 0; i < whole; i += 8) state.Absorb(util::ReadLE<uint64_t>(data.data() + i));
  // The last word: the remaining bytes little-endian, the length (mod 256) in the top byte.
  uint64_t last = static_cast<uint64_t>(data.size() & 0xff) << 56;
  for (size_t i = whole; i < data.size(); ++i) {
    last |= static_cast<uint64_t>(data[i]) << (8 * (i - whole));
  }
  state.Absorb(last);
  return state.Finish();
}

uint64_t SipHash24(const SipKey& key, const Uint256& value) {
  return SipHash24(key, value.span());
}

SipKey RandomSipKey() {
  std::array<uint64_t, 2> words;
  RandomBytes(std::as_writable_bytes(std::span(words)));
  return {.k0 = words[0], .k1 = words[1]};
}

}  // namespace parthenon::crypto
