#include "consensus/script_num.h"

#include "consensus/opcodes.h"

namespace parthenon::consensus {

std::optional<int64_t> DecodeScriptNum(util::ByteSpan bytes, size_t max_size, bool require_minimal,
                                       NumError* why) {
  if (bytes.size() > max_size) {
    if (why != nullptr) *why = NumError::kTooLong;
    return std::nullopt;
  }
  if (bytes.empty()) return 0;
  const auto last = std::to_integer<uint8_t>(bytes.back());
  // Minimal: the last byte carries magnitude bits, unless it only makes room for the sign bit.
  if (require_minimal && (last & 0x7f) == 0 &&
      (bytes.size() == 1 || (std::to_integer<uint8_t>(bytes[bytes.size() - 2]) & 0x80) == 0)) {
    if (why != nullptr) *why = NumError::kNotMinimal;
    return std::nullopt;
  }
  uint64_t magnitude = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    magnitude |= static_cast<uint64_t>(std::to_integer<uint8_t>(bytes[i])) << (8 * i);
  }
  const uint64_t sign_bit = uint64_t{0x80} << (8 * (bytes.size() - 1));
  if ((last & 0x80) != 0) return -static_cast<int64_t>(magnitude & ~sign_bit);
  return static_cast<int64_t>(magnitude);
}

util::Bytes EncodeScriptNum(int64_t value) {
  util::Bytes out;
  if (value == 0) return out;
  const bool negative = value < 0;
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  while (magnitude != 0) {
    out.push_back(static_cast<std::byte>(magnitude & 0xff));
    magnitude >>= 8;
  }
  if ((out.back() & std::byte{0x80}) != std::byte{0}) {
    out.push_back(negative ? std::byte{0x80} : std::byte{0});
  } else if (negative) {
    out.back() |= std::byte{0x80};
  }
  return out;
}

bool CastToBool(util::ByteSpan bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != std::byte{0}) {
      return !(i == bytes.size() - 1 && bytes[i] == std::byte{0x80});  // negative zero
    }
  }
  return false;
}

util::Bytes PushData(util::ByteSpan data) {
  util::Bytes out;
  if (data.empty()) return {std::byte{op::k0}};
  if (data.size() == 1) {
    const auto value = std::to_integer<uint8_t>(data[0]);
    if (value >= 1 && value <= 16) return {std::byte{static_cast<uint8_t>(op::k1 + value - 1)}};
    if (value == 0x81) return {std::byte{op::k1Negate}};
  }
  if (data.size() < op::kPushData1) {
    out.push_back(static_cast<std::byte>(data.size()));
  } else if (data.size() <= 0xff) {
    out.push_back(std::byte{op::kPushData1});
    out.push_back(static_cast<std::byte>(data.size()));
  } else if (data.size() <= 0xffff) {
    out.push_back(std::byte{op::kPushData2});
    out.push_back(static_cast<std::byte>(data.size() & 0xff));
    out.push_back(static_cast<std::byte>(data.size() >> 8));
  } else {
    out.push_back(std::byte{op::kPushData4});
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::byte>((data.size() >> (8 * i)) & 0xff));
  }
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

util::Bytes PushNumber(int64_t value) { return PushData(EncodeScriptNum(value)); }

bool IsMinimalPush(uint8_t opcode, util::ByteSpan data) {
  if (data.empty()) return opcode == op::k0;
  if (data.size() == 1) {
    const auto value = std::to_integer<uint8_t>(data[0]);
    if (value >= 1 && value <= 16) return false;  // should have been OP_1..OP_16
    if (value == 0x81) return false;              // should have been OP_1NEGATE
  }
  if (data.size() < op::kPushData1) return opcode == data.size();
  if (data.size() <= 0xff) return opcode == op::kPushData1;
  if (data.size() <= 0xffff) return opcode == op::kPushData2;
  return true;
}

}  // namespace parthenon::consensus
