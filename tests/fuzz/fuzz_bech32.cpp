// Fuzz target: Bech32/Bech32m strings and segwit addresses.
// Properties: a string that decodes re-encodes to itself (in lower case); an address that
// decodes re-encodes to itself; nothing crashes or reads out of bounds.
#include <algorithm>
#include <string>

#include "fuzz_check.h"
#include "wallet/address.h"
#include "wallet/bech32.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace parthenon;
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });

  auto decoded = wallet::Bech32Decode(text);
  if (!decoded) return 0;
  fuzz::Check(wallet::Bech32Encode(decoded->encoding, decoded->hrp, decoded->values) == lower,
              "bech32 decode/encode round trip");

  auto program = wallet::DecodeSegwitAddress(decoded->hrp, text);
  if (!program) return 0;
  fuzz::Check(wallet::EncodeSegwitAddress(decoded->hrp, *program) == lower,
              "segwit address decode/encode round trip");
  return 0;
}
