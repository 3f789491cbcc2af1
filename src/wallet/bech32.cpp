#include "wallet/bech32.h"

#include <algorithm>
#include <array>

namespace parthenon::wallet {
namespace {

constexpr std::string_view kAlphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr uint32_t kBech32Constant = 1;
constexpr uint32_t kBech32mConstant = 0x2bc830a3;
constexpr size_t kMaxLength = 90;
constexpr size_t kChecksumLength = 6;

uint32_t PolyMod(const std::vector<uint8_t>& values) {
  static constexpr std::array<uint32_t, 5> kGenerator = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa,
                                                         0x3d4233dd, 0x2a1462b3};
  uint32_t checksum = 1;
  for (uint8_t value : values) {
    const uint32_t top = checksum >> 25;
    checksum = ((checksum & 0x1ffffff) << 5) ^ value;
    for (size_t i = 0; i < kGenerator.size(); ++i) {
      if ((top >> i) & 1) checksum ^= kGenerator[i];
    }
  }
  return checksum;
}

std::vector<uint8_t> ExpandHrp(std::string_view hrp) {
  std::vector<uint8_t> out;
  out.reserve(2 * hrp.size() + 1);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
  return out;
}

uint32_t EncodingConstant(Bech32Encoding encoding) {
  switch (encoding) {
    case Bech32Encoding::kBech32:
      return kBech32Constant;
    case Bech32Encoding::kBech32m:
      return kBech32mConstant;
  }
  return kBech32mConstant;
}

Result<void> CheckCharacters(std::string_view text) {
  bool lower = false;
  bool upper = false;
  for (char c : text) {
    if (c < 33 || c > 126) return std::unexpected(Error::kInvalidHrpCharacter);
    lower |= c >= 'a' && c <= 'z';
    upper |= c >= 'A' && c <= 'Z';
  }
  if (lower && upper) return std::unexpected(Error::kMixedCase);
  return {};
}

}  // namespace

std::string_view ToString(Error error) {
  switch (error) {
    case Error::kTooLong:
      return "address is longer than 90 characters";
    case Error::kMixedCase:
      return "address mixes upper and lower case";
    case Error::kNoSeparator:
      return "address has no '1' separator or an empty prefix";
    case Error::kInvalidHrpCharacter:
      return "address has a character outside printable ASCII";
    case Error::kInvalidDataCharacter:
      return "address has a character outside the bech32 alphabet";
    case Error::kChecksumTooShort:
      return "address is too short to hold a checksum";
    case Error::kBadChecksum:
      return "address checksum is wrong (mistyped?)";
    case Error::kWrongHrp:
      return "address belongs to another network";
    case Error::kWrongEncoding:
      return "address uses the wrong checksum variant for its witness version";
    case Error::kInvalidWitnessVersion:
      return "address has an invalid witness version";
    case Error::kInvalidProgramLength:
      return "address has an invalid witness program length";
    case Error::kInvalidPadding:
      return "address has invalid padding bits";
  }
  return "unknown address error";
}

std::string Bech32Encode(Bech32Encoding encoding, std::string_view hrp,
                         const std::vector<uint8_t>& values) {
  std::vector<uint8_t> data = ExpandHrp(hrp);
  data.insert(data.end(), values.begin(), values.end());
  data.insert(data.end(), kChecksumLength, 0);
  const uint32_t checksum = PolyMod(data) ^ EncodingConstant(encoding);
  std::string out(hrp);
  out.push_back('1');
  for (uint8_t value : values) out.push_back(kAlphabet[value]);
  for (size_t i = 0; i < kChecksumLength; ++i) {
    out.push_back(kAlphabet[(checksum >> (5 * (kChecksumLength - 1 - i))) & 31]);
  }
  return out;
}

Result<Bech32String> Bech32Decode(std::string_view text) {
  if (text.size() > kMaxLength) return std::unexpected(Error::kTooLong);
  if (auto ok = CheckCharacters(text); !ok) return std::unexpected(ok.error());
  const size_t separator = text.rfind('1');
  if (separator == std::string_view::npos || separator == 0) {
    return std::unexpected(Error::kNoSeparator);
  }
  if (text.size() - separator - 1 < kChecksumLength) {
    return std::unexpected(Error::kChecksumTooShort);
  }
  Bech32String out;
  out.hrp.reserve(separator);
  for (char c : text.substr(0, separator)) {
    out.hrp.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  std::vector<uint8_t> data;
  for (char c : text.substr(separator + 1)) {
    const char lower = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    const size_t value = kAlphabet.find(lower);
    if (value == std::string_view::npos) return std::unexpected(Error::kInvalidDataCharacter);
    data.push_back(static_cast<uint8_t>(value));
  }
  std::vector<uint8_t> checked = ExpandHrp(out.hrp);
  checked.insert(checked.end(), data.begin(), data.end());
  const uint32_t residue = PolyMod(checked);
  if (residue == kBech32Constant) {
    out.encoding = Bech32Encoding::kBech32;
  } else if (residue == kBech32mConstant) {
    out.encoding = Bech32Encoding::kBech32m;
  } else {
    return std::unexpected(Error::kBadChecksum);
  }
  data.resize(data.size() - kChecksumLength);
  out.values = std::move(data);
  return out;
}

Result<std::vector<uint8_t>> ConvertBits(const std::vector<uint8_t>& in, int from_bits, int to_bits,
                                         bool pad) {
  uint32_t accumulator = 0;
  int bits = 0;
  const uint32_t max_value = (1u << to_bits) - 1;
  std::vector<uint8_t> out;
  out.reserve(in.size() * static_cast<size_t>(from_bits) / static_cast<size_t>(to_bits) + 1);
  for (uint8_t value : in) {
    accumulator = (accumulator << from_bits) | value;
    bits += from_bits;
    while (bits >= to_bits) {
      bits -= to_bits;
      out.push_back(static_cast<uint8_t>((accumulator >> bits) & max_value));
    }
  }
  if (pad) {
    if (bits > 0) out.push_back(static_cast<uint8_t>((accumulator << (to_bits - bits)) & max_value));
  } else if (bits >= from_bits || ((accumulator << (to_bits - bits)) & max_value) != 0) {
    return std::unexpected(Error::kInvalidPadding);
  }
  return out;
}

}  // namespace parthenon::wallet
