// BIP173 Bech32 and BIP350 Bech32m strings: human-readable part, separator '1', 5-bit data and a
// 6-character checksum. Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace parthenon::wallet {

enum class Bech32Encoding {
  kBech32,   // BIP173 (witness v0 addresses)
  kBech32m,  // BIP350 (witness v1+ addresses)
};

enum class Error {
  kTooLong,                // over 90 characters
  kMixedCase,
  kNoSeparator,            // no '1', or nothing before it
  kInvalidHrpCharacter,    // outside ASCII 33..126
  kInvalidDataCharacter,   // not in the bech32 alphabet
  kChecksumTooShort,       // fewer than 6 characters after the separator
  kBadChecksum,            // neither a Bech32 nor a Bech32m checksum
  kWrongHrp,               // valid string for another network
  kWrongEncoding,          // Bech32 where Bech32m is required or vice versa
  kInvalidWitnessVersion,  // above 16, or no data
  kInvalidProgramLength,   // outside 2..40 bytes, or not 20/32 for version 0
  kInvalidPadding,         // more than 4 padding bits, or non-zero padding
};
std::string_view ToString(Error error);

template <class T>
using Result = std::expected<T, Error>;

struct Bech32String {
  Bech32Encoding encoding;
  std::string hrp;              // lower case
  std::vector<uint8_t> values;  // 5-bit values, checksum removed
};

// REQUIRES: hrp is lower case ASCII 33..126; every value < 32.
std::string Bech32Encode(Bech32Encoding encoding, std::string_view hrp,
                         const std::vector<uint8_t>& values);
[[nodiscard]] Result<Bech32String> Bech32Decode(std::string_view text);

// Regroups bits (8→5 or 5→8). When not padding, fails on more than 4 leftover bits or on
// non-zero leftover bits (BIP173's rules for decoding).
[[nodiscard]] Result<std::vector<uint8_t>> ConvertBits(const std::vector<uint8_t>& in, int from_bits,
                                                       int to_bits, bool pad);

}  // namespace parthenon::wallet
