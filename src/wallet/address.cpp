#include "wallet/address.h"

#include <algorithm>
#include <cassert>

namespace parthenon::wallet {
namespace {

std::vector<uint8_t> AsValues(util::ByteSpan bytes) {
  std::vector<uint8_t> out(bytes.size());
  std::transform(bytes.begin(), bytes.end(), out.begin(),
                 [](std::byte b) { return std::to_integer<uint8_t>(b); });
  return out;
}

std::string ToLower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return out;
}

}  // namespace

util::Bytes WitnessProgram::ScriptPubKey() const {
  util::Bytes script;
  script.reserve(2 + program.size());
  script.push_back(static_cast<std::byte>(version == 0 ? 0x00 : 0x50 + version));
  script.push_back(static_cast<std::byte>(program.size()));
  script.insert(script.end(), program.begin(), program.end());
  return script;
}

std::string EncodeSegwitAddress(std::string_view hrp, const WitnessProgram& program) {
  assert(program.version >= 0 && program.version <= 16);
  auto values = ConvertBits(AsValues(program.program), 8, 5, true);
  assert(values.has_value());
  values->insert(values->begin(), static_cast<uint8_t>(program.version));
  const auto encoding = program.version == 0 ? Bech32Encoding::kBech32 : Bech32Encoding::kBech32m;
  return Bech32Encode(encoding, ToLower(hrp), *values);
}

Result<WitnessProgram> DecodeSegwitAddress(std::string_view hrp, std::string_view address) {
  auto decoded = Bech32Decode(address);
  if (!decoded) return std::unexpected(decoded.error());
  if (decoded->hrp != ToLower(hrp)) return std::unexpected(Error::kWrongHrp);
  if (decoded->values.empty() || decoded->values[0] > 16) {
    return std::unexpected(Error::kInvalidWitnessVersion);
  }
  WitnessProgram out;
  out.version = decoded->values[0];
  const auto expected_encoding = out.version == 0 ? Bech32Encoding::kBech32 : Bech32Encoding::kBech32m;
  if (decoded->encoding != expected_encoding) return std::unexpected(Error::kWrongEncoding);
  auto bytes = ConvertBits({decoded->values.begin() + 1, decoded->values.end()}, 5, 8, false);
  if (!bytes) return std::unexpected(bytes.error());
  if (bytes->size() < 2 || bytes->size() > 40 ||
      (out.version == 0 && bytes->size() != 20 && bytes->size() != 32)) {
    return std::unexpected(Error::kInvalidProgramLength);
  }
  out.program.resize(bytes->size());
  std::transform(bytes->begin(), bytes->end(), out.program.begin(),
                 [](uint8_t b) { return std::byte{b}; });
  return out;
}

std::string EncodeKeyAddress(const consensus::ChainParams& params, const crypto::XOnlyPublicKey& key) {
  return EncodeSegwitAddress(params.bech32_hrp, {.version = 1, .program = {key.begin(), key.end()}});
}

Result<crypto::XOnlyPublicKey> DecodeKeyAddress(const consensus::ChainParams& params,
                                                std::string_view address) {
  auto program = DecodeSegwitAddress(params.bech32_hrp, address);
  if (!program) return std::unexpected(program.error());
  if (program->version != 1) return std::unexpected(Error::kInvalidWitnessVersion);
  if (program->program.size() != 32) return std::unexpected(Error::kInvalidProgramLength);
  crypto::XOnlyPublicKey key;
  std::copy(program->program.begin(), program->program.end(), key.begin());
  return key;
}

}  // namespace parthenon::wallet
