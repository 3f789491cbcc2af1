#include "wallet/contract.h"

#include <algorithm>
#include <set>

#include "consensus/opcodes.h"
#include "consensus/script_num.h"
#include "primitives/serialize.h"

namespace parthenon::wallet {
namespace {

namespace op = consensus::op;

constexpr uint8_t kHtlcTag = 1;
constexpr uint8_t kMultisigTag = 2;
constexpr uint32_t kLockTimeThreshold = 500'000'000;

void Append(util::Bytes& script, util::ByteSpan bytes) { script.insert(script.end(), bytes.begin(), bytes.end()); }
void AppendOp(util::Bytes& script, uint8_t opcode) { script.push_back(std::byte{opcode}); }

util::Bytes ClaimLeaf(const HtlcTerms& t) {
  util::Bytes s;
  AppendOp(s, op::kSha256);
  Append(s, consensus::PushData(t.hash));
  AppendOp(s, op::kEqualVerify);
  Append(s, consensus::PushData(t.receiver));
  AppendOp(s, op::kCheckSig);
  return s;
}

util::Bytes RefundLeaf(const HtlcTerms& t) {
  util::Bytes s;
  Append(s, consensus::PushNumber(t.timeout_height));
  AppendOp(s, op::kCheckLockTimeVerify);
  AppendOp(s, op::kDrop);
  Append(s, consensus::PushData(t.sender));
  AppendOp(s, op::kCheckSig);
  return s;
}

util::Bytes MultisigLeaf(const MultisigTerms& t) {
  util::Bytes s;
  for (size_t i = 0; i < t.keys.size(); ++i) {
    Append(s, consensus::PushData(t.keys[i]));
    AppendOp(s, i == 0 ? op::kCheckSig : op::kCheckSigAdd);
  }
  Append(s, consensus::PushNumber(t.required));
  AppendOp(s, op::kNumEqual);
  return s;
}

bool Valid(const ContractTerms& terms) {
  if (const auto* htlc = std::get_if<HtlcTerms>(&terms)) {
    return htlc->timeout_height > 0 && htlc->timeout_height < kLockTimeThreshold &&
           crypto::IsValidXOnlyKey(htlc->receiver) && crypto::IsValidXOnlyKey(htlc->sender);
  }
  const auto& multi = std::get<MultisigTerms>(terms);
  const std::set<crypto::XOnlyPublicKey> distinct(multi.keys.begin(), multi.keys.end());
  return multi.required >= 1 && multi.required <= multi.keys.size() && multi.keys.size() <= kMaxMultisigKeys &&
         distinct.size() == multi.keys.size() &&
         std::all_of(multi.keys.begin(), multi.keys.end(), crypto::IsValidXOnlyKey);
}

crypto::XOnlyPublicKey ReadKey(primitives::Reader& in) {
  crypto::XOnlyPublicKey key{};
  const util::ByteSpan raw = in.Raw(key.size());
  if (raw.size() == key.size()) std::copy(raw.begin(), raw.end(), key.begin());
  return key;
}

}  // namespace

std::string_view ToString(ContractError error) {
  switch (error) {
    case ContractError::kBadTerms:
      return "invalid contract terms";
    case ContractError::kBadEncoding:
      return "stored contract terms do not decode";
    case ContractError::kUnknownLeaf:
      return "the contract has no such leaf";
  }
  return "unknown contract error";
}

std::string_view TemplateName(const ContractTerms& terms) {
  return std::holds_alternative<HtlcTerms>(terms) ? "htlc" : "multisig";
}

std::vector<ContractLeaf> ContractLeaves(const ContractTerms& terms) {
  if (const auto* htlc = std::get_if<HtlcTerms>(&terms)) {
    return {{"claim", ClaimLeaf(*htlc)}, {"refund", RefundLeaf(*htlc)}};
  }
  return {{"multisig", MultisigLeaf(std::get<MultisigTerms>(terms))}};
}

ContractResult<consensus::TaprootOutput> ContractOutput(const ContractTerms& terms) {
  if (!Valid(terms)) return std::unexpected(ContractError::kBadTerms);
  const auto leaves = ContractLeaves(terms);
  consensus::TapTree tree = consensus::TapTree::Leaf(leaves[0].script);
  if (leaves.size() == 2) tree = consensus::TapTree::Branch(std::move(tree), consensus::TapTree::Leaf(leaves[1].script));
  auto output = consensus::BuildTaprootOutput(consensus::UnspendableInternalKey(), &tree);
  if (!output) return std::unexpected(ContractError::kBadTerms);
  return std::move(*output);
}

util::Bytes SerializeTerms(const ContractTerms& terms) {
  primitives::Writer out;
  if (const auto* htlc = std::get_if<HtlcTerms>(&terms)) {
    out.U8(kHtlcTag);
    out.Raw(htlc->hash);
    out.Raw(htlc->receiver);
    out.Raw(htlc->sender);
    out.U32(htlc->timeout_height);
  } else {
    const auto& multi = std::get<MultisigTerms>(terms);
    out.U8(kMultisigTag);
    out.U32(multi.required);
    out.CompactSize(multi.keys.size());
    for (const auto& key : multi.keys) out.Raw(key);
  }
  return out.Take();
}

ContractResult<ContractTerms> ParseTerms(util::ByteSpan bytes) {
  primitives::Reader in(bytes);
  const uint8_t tag = in.U8();
  ContractTerms terms;
  if (tag == kHtlcTag) {
    HtlcTerms htlc;
    const util::ByteSpan hash = in.Raw(htlc.hash.size());
    if (hash.size() == htlc.hash.size()) std::copy(hash.begin(), hash.end(), htlc.hash.begin());
    htlc.receiver = ReadKey(in);
    htlc.sender = ReadKey(in);
    htlc.timeout_height = in.U32();
    terms = htlc;
  } else if (tag == kMultisigTag) {
    MultisigTerms multi;
    multi.required = in.U32();
    const size_t count = in.Count(kMaxMultisigKeys, 32);
    for (size_t i = 0; i < count && in.ok(); ++i) multi.keys.push_back(ReadKey(in));
    terms = std::move(multi);
  } else {
    return std::unexpected(ContractError::kBadEncoding);
  }
  if (!in.ok() || !in.empty() || !Valid(terms)) return std::unexpected(ContractError::kBadEncoding);
  return terms;
}

}  // namespace parthenon::wallet
