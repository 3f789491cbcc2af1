// Contract templates: spending conditions committed in a taproot output's script tree (BIP341,
// script-only: the internal key is BIP341's unspendable point), spent by one chosen leaf with
// BIP342 tapscript.
//
//   htlc      leaf "claim":  OP_SHA256 <hash> OP_EQUALVERIFY <receiver> OP_CHECKSIG
//             leaf "refund": <timeout height> OP_CHECKLOCKTIMEVERIFY OP_DROP <sender> OP_CHECKSIG
//   multisig  leaf "multisig": <k1> OP_CHECKSIG <k2> OP_CHECKSIGADD ... <kn> OP_CHECKSIGADD <m> OP_NUMEQUAL
//
// The output depends only on the terms, so every party that knows them derives the same
// address. Thread-safety: thread-safe (pure functions over values).
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "consensus/taproot.h"
#include "crypto/schnorr.h"
#include "crypto/sha256.h"
#include "util/bytes.h"

namespace parthenon::wallet {

inline constexpr size_t kMaxMultisigKeys = 20;

struct HtlcTerms {
  crypto::Digest hash{};  // SHA256 of the preimage that claims
  crypto::XOnlyPublicKey receiver{};
  crypto::XOnlyPublicKey sender{};
  // The refund leaf's CLTV height: the refund sets nLockTime to it, so it can be mined in any
  // block above this height (nLockTime < block height).
  uint32_t timeout_height = 0;
  bool operator==(const HtlcTerms&) const = default;
};

struct MultisigTerms {
  uint32_t required = 0;  // m of keys.size()
  std::vector<crypto::XOnlyPublicKey> keys;
  bool operator==(const MultisigTerms&) const = default;
};

using ContractTerms = std::variant<HtlcTerms, MultisigTerms>;

enum class ContractError {
  kBadTerms,       // m = 0, m > n, n > kMaxMultisigKeys, duplicate or off-curve keys, timeout 0 or
                   // >= 500,000,000 (a time, not a height)
  kBadEncoding,    // stored terms do not decode
  kUnknownLeaf,
};
std::string_view ToString(ContractError error);

template <class T>
using ContractResult = std::expected<T, ContractError>;

std::string_view TemplateName(const ContractTerms& terms);  // "htlc" or "multisig"

struct ContractLeaf {
  std::string name;
  util::Bytes script;
};
// The leaves of the terms' tree, in TapTree::Leaves order.
std::vector<ContractLeaf> ContractLeaves(const ContractTerms& terms);

// The output (key, tree, control blocks) the terms commit to. Errors: kBadTerms.
[[nodiscard]] ContractResult<consensus::TaprootOutput> ContractOutput(const ContractTerms& terms);

util::Bytes SerializeTerms(const ContractTerms& terms);
[[nodiscard]] ContractResult<ContractTerms> ParseTerms(util::ByteSpan bytes);

}  // namespace parthenon::wallet
