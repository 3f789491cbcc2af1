#include "consensus/script.h"

#include <algorithm>
#include <cassert>

namespace parthenon::consensus {
namespace {

constexpr std::byte kOpPushData1{0x4c};
constexpr size_t kMaxDirectPush = 75;

}  // namespace

std::optional<crypto::XOnlyPublicKey> KeyPathKey(util::ByteSpan script) {
  if (script.size() != 34 || script[0] != kOp1 || script[1] != std::byte{32}) return std::nullopt;
  crypto::XOnlyPublicKey key;
  std::copy(script.begin() + 2, script.end(), key.begin());
  return key;
}

bool IsNullData(util::ByteSpan script) {
  if (script.empty() || script[0] != kOpReturn) return false;
  if (script.size() == 1) return true;
  const auto op = std::to_integer<size_t>(script[1]);
  if (op >= 1 && op <= kMaxDirectPush) return script.size() == 2 + op && op <= kMaxNullDataSize;
  if (script[1] == kOpPushData1 && script.size() >= 3) {
    const auto size = std::to_integer<size_t>(script[2]);
    return size <= kMaxNullDataSize && script.size() == 3 + size;
  }
  return false;
}

bool IsAllowedOutputScript(util::ByteSpan script) {
  return KeyPathKey(script).has_value() || IsNullData(script);
}

util::Bytes KeyPathScript(const crypto::XOnlyPublicKey& key) {
  util::Bytes script(2 + key.size());
  script[0] = kOp1;
  script[1] = std::byte{32};
  std::copy(key.begin(), key.end(), script.begin() + 2);
  return script;
}

util::Bytes NullDataScript(util::ByteSpan data) {
  assert(data.size() <= kMaxNullDataSize);
  util::Bytes script;
  script.reserve(3 + data.size());
  script.push_back(kOpReturn);
  if (data.empty()) return script;
  if (data.size() > kMaxDirectPush) script.push_back(kOpPushData1);
  script.push_back(static_cast<std::byte>(data.size()));
  script.insert(script.end(), data.begin(), data.end());
  return script;
}

util::Bytes HeightPush(int32_t height) {
  assert(height >= 0);
  if (height == 0) return {std::byte{0x00}};
  if (height <= 16) return {static_cast<std::byte>(0x50 + height)};
  // Minimal little-endian script number; a top bit set needs an extra zero byte (sign).
  util::Bytes number;
  for (uint32_t value = static_cast<uint32_t>(height); value != 0; value >>= 8) {
    number.push_back(static_cast<std::byte>(value & 0xff));
  }
  if ((number.back() & std::byte{0x80}) != std::byte{0}) number.push_back(std::byte{0});
  number.insert(number.begin(), static_cast<std::byte>(number.size()));
  return number;
}

bool HasHeightPrefix(util::ByteSpan script_sig, int32_t height) {
  const util::Bytes expected = HeightPush(height);
  return script_sig.size() >= expected.size() &&
         std::equal(expected.begin(), expected.end(), script_sig.begin());
}

}  // namespace parthenon::consensus
