// Segwit addresses (BIP173/BIP350). Parthenon pays to witness v1 keys, encoded in Bech32m with
// the network's HRP (prt, tprt, rprt); decoding also understands other witness versions so that
// an operator who pastes a wrong address gets a precise error. Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "consensus/params.h"
#include "crypto/schnorr.h"
#include "util/bytes.h"
#include "wallet/bech32.h"

namespace parthenon::wallet {

struct WitnessProgram {
  int version = 0;
  util::Bytes program;

  // OP_n <program>: the output script paying to this program.
  util::Bytes ScriptPubKey() const;
  bool operator==(const WitnessProgram&) const = default;
};

// REQUIRES: 0 <= version <= 16 and a program length valid for that version.
std::string EncodeSegwitAddress(std::string_view hrp, const WitnessProgram& program);
// Decodes an address that must carry `hrp` (case-insensitive), with BIP350's rules: version 0
// uses Bech32 and a 20- or 32-byte program; versions 1..16 use Bech32m and 2..40 bytes.
[[nodiscard]] Result<WitnessProgram> DecodeSegwitAddress(std::string_view hrp, std::string_view address);

// The address of a witness v1 key on `params`' network.
std::string EncodeKeyAddress(const consensus::ChainParams& params, const crypto::XOnlyPublicKey& key);
// The witness v1 key an address of `params`' network pays to; kInvalidWitnessVersion for
// any other version (Parthenon's consensus only allows v1 key outputs).
[[nodiscard]] Result<crypto::XOnlyPublicKey> DecodeKeyAddress(const consensus::ChainParams& params,
                                                              std::string_view address);

}  // namespace parthenon::wallet
