// The wallet's contracts (wallet.h, wallet/contract.h): tracking, listing and spending by a leaf.
#include <algorithm>

#include "consensus/script.h"
#include "consensus/sighash.h"
#include "consensus/taproot.h"
#include "primitives/transaction.h"
#include "wallet/address.h"
#include "wallet/wallet.h"

namespace parthenon::wallet {
namespace {

constexpr std::string_view kContractPrefix = "contract/";
constexpr uint32_t kSequenceEnableLockTime = 0xfffffffe;  // not final, so nLockTime applies

util::Bytes ContractRecordKey(const util::Bytes& script) {
  util::Bytes out = util::ToBytes(kContractPrefix);
  out.insert(out.end(), script.begin(), script.end());
  return out;
}

util::Bytes SigBytes(const crypto::SchnorrSignature& sig) { return {sig.begin(), sig.end()}; }

}  // namespace

chain::Result<crypto::XOnlyPublicKey> Wallet::AddressKey(std::string_view address) const {
  auto key = DecodeKeyAddress(chainstate_.params(), address);
  if (!key) return chain::Fail(chain::ErrorCode::kNotFound, "invalid address: " + std::string(ToString(key.error())));
  return *key;
}

chain::Result<ContractInfo> Wallet::Describe(const util::Bytes& script, const ContractTerms& terms) const {
  auto output = ContractOutput(terms);
  if (!output) return chain::Fail(chain::ErrorCode::kNotFound, std::string(ToString(output.error())));
  ContractInfo info{.address = EncodeKeyAddress(chainstate_.params(), output->output_key),
                    .terms = terms,
                    .output = std::move(*output),
                    .unspent = {}};
  const std::vector<util::Bytes> scripts{script};
  auto utxos = chainstate_.ListUtxos(scripts);
  if (!utxos) return std::unexpected(utxos.error());
  for (auto& utxo : *utxos) {
    if (!chainstate_.MempoolSpender(utxo.outpoint)) info.unspent.push_back(std::move(utxo));
  }
  return info;
}

chain::Result<ContractInfo> Wallet::AddContract(const ContractTerms& terms) {
  auto output = ContractOutput(terms);
  if (!output) return chain::Fail(chain::ErrorCode::kNotFound, std::string(ToString(output.error())));
  const util::Bytes script = consensus::KeyPathScript(output->output_key);
  {
    util::MutexLock lock(mutex_);
    if (!contracts_.contains(script)) {
      PARTHENON_TRY_STORAGE(
          chainstate_.Column(storage::Column::kWallet).Put(ContractRecordKey(script), SerializeTerms(terms)));
      contracts_.emplace(script, terms);
    }
  }
  return Describe(script, terms);
}

chain::Result<ContractInfo> Wallet::GetContract(std::string_view address) const {
  auto key = AddressKey(address);
  if (!key) return std::unexpected(key.error());
  const util::Bytes script = consensus::KeyPathScript(*key);
  ContractTerms terms;
  {
    util::MutexLock lock(mutex_);
    auto it = contracts_.find(script);
    if (it == contracts_.end()) return chain::Fail(chain::ErrorCode::kNotFound, "not a contract of this wallet");
    terms = it->second;
  }
  return Describe(script, terms);
}

chain::Result<std::vector<ContractInfo>> Wallet::ListContracts() const {
  std::map<util::Bytes, ContractTerms> contracts;
  {
    util::MutexLock lock(mutex_);
    contracts = contracts_;
  }
  std::vector<ContractInfo> out;
  for (const auto& [script, terms] : contracts) {
    auto info = Describe(script, terms);
    if (!info) return std::unexpected(info.error());
    out.push_back(std::move(*info));
  }
  return out;
}

const crypto::KeyPair* Wallet::FindKey(const crypto::XOnlyPublicKey& key) const {
  auto it = keys_.find(consensus::KeyPathScript(key));
  return it == keys_.end() ? nullptr : &it->second;
}

chain::Result<std::vector<util::Bytes>> Wallet::LeafWitness(const ContractTerms& terms, std::string_view leaf,
                                                            const util::Bytes& preimage,
                                                            const crypto::Uint256& sighash,
                                                            std::vector<util::Bytes> stack, bool partial) const {
  if (const auto* htlc = std::get_if<HtlcTerms>(&terms)) {
    const bool claim = leaf == "claim";
    const crypto::KeyPair* key = FindKey(claim ? htlc->receiver : htlc->sender);
    if (key == nullptr) return chain::Fail(chain::ErrorCode::kNotFound, "the wallet does not hold the leaf's key");
    stack = {SigBytes(key->Sign(sighash.span()))};
    if (claim) stack.push_back(preimage);  // on top: OP_SHA256 consumes it first
    return stack;
  }
  // <k1> CHECKSIG <k2> CHECKSIGADD ...: k1's signature is on top, so the stack lists kn first.
  const auto& multi = std::get<MultisigTerms>(terms);
  const size_t n = multi.keys.size();
  stack.resize(n);
  uint32_t signed_count = static_cast<uint32_t>(
      std::count_if(stack.begin(), stack.end(), [](const util::Bytes& sig) { return !sig.empty(); }));
  for (size_t i = 0; i < n && signed_count < multi.required; ++i) {
    util::Bytes& slot = stack[n - 1 - i];
    if (!slot.empty()) continue;
    if (const crypto::KeyPair* key = FindKey(multi.keys[i])) {
      slot = SigBytes(key->Sign(sighash.span()));
      ++signed_count;
    }
  }
  if (signed_count < multi.required && !partial) {
    return chain::Fail(chain::ErrorCode::kNotFound, "the wallet holds fewer keys than the multisig requires");
  }
  return stack;
}

// Signatures a multisig spend of `terms` still lacks across `tx`'s inputs (0 for an HTLC).
static int64_t MissingSignatures(const ContractTerms& terms, const primitives::Transaction& tx) {
  const auto* multi = std::get_if<MultisigTerms>(&terms);
  if (multi == nullptr) return 0;
  int64_t missing = 0;
  for (const auto& in : tx.inputs) {
    if (in.witness.size() != multi->keys.size() + 2) continue;  // not this leaf's witness
    const auto present = std::count_if(in.witness.begin(), in.witness.end() - 2, [](const auto& e) { return e.size() == 64; });
    missing += static_cast<int64_t>(multi->required) - present;
  }
  return missing;
}

chain::Result<primitives::Transaction> Wallet::CreateContractSpend(const ContractSpendRequest& request) {
  auto info = GetContract(request.address);
  if (!info) return std::unexpected(info.error());
  const auto leaves = ContractLeaves(info->terms);
  const auto leaf = std::find_if(leaves.begin(), leaves.end(), [&](const auto& l) { return l.name == request.leaf; });
  if (leaf == leaves.end()) return chain::Fail(chain::ErrorCode::kNotFound, std::string(ToString(ContractError::kUnknownLeaf)));
  const size_t leaf_index = static_cast<size_t>(leaf - leaves.begin());
  if (info->unspent.empty()) return chain::Fail(chain::ErrorCode::kInsufficientFunds, "the contract has no unspent output");

  util::MutexLock lock(mutex_);
  // Fail on missing keys before a change key is stored for nothing.
  if (auto dry_run = LeafWitness(info->terms, request.leaf, request.preimage, crypto::Uint256{}, {}, request.partial);
      !dry_run) {
    return std::unexpected(dry_run.error());
  }
  util::Bytes destination;
  if (request.destination) {
    auto key = AddressKey(*request.destination);
    if (!key) return std::unexpected(key.error());
    destination = consensus::KeyPathScript(*key);
  } else {
    auto key = NewKey();
    if (!key) return std::unexpected(key.error());
    destination = consensus::KeyPathScript(key->PublicKey());
  }
  primitives::Transaction tx;
  tx.version = 2;
  if (const auto* htlc = std::get_if<HtlcTerms>(&info->terms); htlc && request.leaf == "refund") {
    tx.lock_time = htlc->timeout_height;
  }
  std::vector<primitives::TxOut> spent;
  consensus::Amount total = 0;
  for (const auto& utxo : info->unspent) {
    tx.inputs.push_back({.prevout = utxo.outpoint, .script_sig = {}, .sequence = kSequenceEnableLockTime, .witness = {}});
    spent.push_back(utxo.out);
    total += utxo.out.value;
  }
  tx.outputs.push_back({.value = total, .script_pubkey = destination});
  const crypto::Uint256 leaf_hash = info->output.leaves[leaf_index].leaf_hash;
  const consensus::SighashExtension extension{
      .annex_hash = std::nullopt,
      .tapleaf = consensus::SighashExtension::Tapleaf{.leaf_hash = leaf_hash, .codesep_pos = 0xffffffff}};
  // Signatures are 64 bytes whatever they sign, so signing twice sizes the fee exactly: once
  // to measure, once over the final output value.
  for (int pass = 0; pass < 2; ++pass) {
    const auto precomputed = consensus::PrecomputeSighash(tx, spent);
    for (size_t i = 0; i < tx.inputs.size(); ++i) {
      auto sighash = consensus::SignatureHash(tx, i, 0, spent, precomputed, extension);
      if (!sighash) return chain::Fail(sighash.error());
      auto stack = LeafWitness(info->terms, request.leaf, request.preimage, *sighash, {}, request.partial);
      if (!stack) return std::unexpected(stack.error());
      stack->push_back(leaf->script);
      stack->push_back(info->output.control_blocks[leaf_index]);
      tx.inputs[i].witness = std::move(*stack);
    }
    if (pass == 0) {
      // Every missing signature will be 64 witness bytes (weight 1 each) in an empty element.
      const int64_t weight = primitives::Weight(tx) + 64 * MissingSignatures(info->terms, tx);
      const consensus::Amount fee = request.feerate * ((weight + 3) / 4);
      if (total - fee <= 0) return chain::Fail(chain::ErrorCode::kInsufficientFunds, "the contract cannot pay the fee");
      tx.outputs[0].value = total - fee;
    }
  }
  return tx;
}

chain::Result<ContractSpend> Wallet::SignContractSpend(primitives::Transaction tx, std::string_view address) {
  auto info = GetContract(address);
  if (!info) return std::unexpected(info.error());
  if (!std::holds_alternative<MultisigTerms>(info->terms)) {
    return chain::Fail(chain::ErrorCode::kNotFound, "only multisig contracts take several signers");
  }
  const util::Bytes script = consensus::KeyPathScript(info->output.output_key);
  const util::Bytes& leaf_script = info->output.leaves[0].script;
  std::vector<primitives::TxOut> spent;
  for (const auto& in : tx.inputs) {
    auto utxo = chainstate_.GetUtxo(in.prevout);
    if (!utxo) return std::unexpected(utxo.error());
    if (!utxo->has_value()) return chain::Fail(chain::ErrorCode::kNotFound, "an input's coin is unknown or spent");
    spent.push_back((*utxo)->out);
  }
  const size_t n = std::get<MultisigTerms>(info->terms).keys.size();
  const consensus::SighashExtension extension{
      .annex_hash = std::nullopt,
      .tapleaf = consensus::SighashExtension::Tapleaf{.leaf_hash = info->output.leaves[0].leaf_hash,
                                                       .codesep_pos = 0xffffffff}};
  const auto precomputed = consensus::PrecomputeSighash(tx, spent);
  util::MutexLock lock(mutex_);
  for (size_t i = 0; i < tx.inputs.size(); ++i) {
    if (spent[i].script_pubkey != script) continue;  // another party's input
    auto& witness = tx.inputs[i].witness;
    if (witness.size() != n + 2 || witness[n] != leaf_script) {
      return chain::Fail(chain::ErrorCode::kNotFound, "an input's witness is not of the contract's multisig leaf");
    }
    auto sighash = consensus::SignatureHash(tx, i, 0, spent, precomputed, extension);
    if (!sighash) return chain::Fail(sighash.error());
    auto stack = LeafWitness(info->terms, "multisig", {}, *sighash, {witness.begin(), witness.begin() + static_cast<ptrdiff_t>(n)},
                             /*partial=*/true);
    if (!stack) return std::unexpected(stack.error());
    std::copy(stack->begin(), stack->end(), witness.begin());
  }
  const bool complete = MissingSignatures(info->terms, tx) == 0;
  return ContractSpend{.tx = std::move(tx), .complete = complete};
}

chain::Result<crypto::Uint256> Wallet::SpendContract(const ContractSpendRequest& request) {
  auto tx = CreateContractSpend(request);
  if (!tx) return std::unexpected(tx.error());
  auto submitted = chainstate_.SubmitTransaction(*tx);
  if (!submitted) return std::unexpected(submitted.error());
  return primitives::Txid(*tx);
}

}  // namespace parthenon::wallet
