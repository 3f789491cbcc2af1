#include "rpc/contract_methods.h"

#include "consensus/script.h"
#include "rpc/encode.h"
#include "rpc/params.h"
#include "util/hex.h"
#include "util/result.h"
#include "wallet/address.h"

namespace parthenon::rpc {
namespace {

using nlohmann::json;

Error FromChain(const chain::Error& error, ErrorCode code) {
  std::string message(error.Reason());
  if (!error.detail.empty()) message += ": " + error.detail;
  return Error{code, std::move(message)};
}

// Wallet errors: unknown contract/leaf/key are parameter errors, funds are funds, the rest is
// a rejection by the mempool (the script or a lock time did not pass).
ErrorCode CodeFor(const chain::Error& error) {
  if (error.code == chain::ErrorCode::kNotFound) return ErrorCode::kInvalidParameter;
  if (error.code == chain::ErrorCode::kInsufficientFunds) return ErrorCode::kWalletInsufficientFunds;
  return ErrorCode::kVerifyRejected;
}

Result<crypto::XOnlyPublicKey> KeyField(wallet::Wallet& wallet, const json& terms, const char* name) {
  if (!terms.contains(name) || !terms.at(name).is_string()) {
    return MakeError(ErrorCode::kInvalidParams, std::string("terms.") + name + " must be an address");
  }
  auto key = wallet.AddressKey(terms.at(name).get<std::string>());
  if (!key) return MakeError(ErrorCode::kInvalidAddress, std::string("terms.") + name + ": " + key.error().detail);
  return *key;
}

Result<util::Bytes> HexField(const json& value, const std::string& name, std::optional<size_t> size) {
  if (!value.is_string()) return MakeError(ErrorCode::kInvalidParams, name + " must be a hex string");
  auto bytes = util::FromHex(value.get<std::string>());
  if (!bytes || (size && bytes->size() != *size)) {
    return MakeError(ErrorCode::kInvalidParameter, name + " must be " +
                                                       (size ? std::to_string(*size) + " bytes of " : "") + "hex");
  }
  return std::move(*bytes);
}

Result<wallet::ContractTerms> ParseTerms(wallet::Wallet& wallet, const std::string& name, const json& terms) {
  if (!terms.is_object()) return MakeError(ErrorCode::kInvalidParams, "terms must be an object");
  if (name == "htlc") {
    wallet::HtlcTerms htlc;
    if (!terms.contains("hash")) return MakeError(ErrorCode::kInvalidParams, "terms.hash is required");
    auto hash = HexField(terms.at("hash"), "terms.hash", 32);
    if (!hash) return std::unexpected(hash.error());
    std::copy(hash->begin(), hash->end(), htlc.hash.begin());
    auto receiver = KeyField(wallet, terms, "receiver");
    if (!receiver) return std::unexpected(receiver.error());
    auto sender = KeyField(wallet, terms, "sender");
    if (!sender) return std::unexpected(sender.error());
    htlc.receiver = *receiver;
    htlc.sender = *sender;
    if (!terms.contains("timeout") || !terms.at("timeout").is_number_unsigned()) {
      return MakeError(ErrorCode::kInvalidParams, "terms.timeout must be a block height");
    }
    htlc.timeout_height = terms.at("timeout").get<uint32_t>();
    return htlc;
  }
  if (name == "multisig") {
    wallet::MultisigTerms multi;
    if (!terms.contains("required") || !terms.at("required").is_number_unsigned() || !terms.contains("keys") ||
        !terms.at("keys").is_array()) {
      return MakeError(ErrorCode::kInvalidParams, "terms needs 'required' (a number) and 'keys' (addresses)");
    }
    multi.required = terms.at("required").get<uint32_t>();
    for (const json& address : terms.at("keys")) {
      if (!address.is_string()) return MakeError(ErrorCode::kInvalidParams, "terms.keys must hold addresses");
      auto key = wallet.AddressKey(address.get<std::string>());
      if (!key) return MakeError(ErrorCode::kInvalidAddress, "terms.keys: " + key.error().detail);
      multi.keys.push_back(*key);
    }
    return multi;
  }
  return MakeError(ErrorCode::kInvalidParameter, "unknown template '" + name + "' (htlc, multisig)");
}

json TermsToJson(const wallet::ContractTerms& terms, const consensus::ChainParams& params) {
  if (const auto* htlc = std::get_if<wallet::HtlcTerms>(&terms)) {
    return {{"hash", util::ToHex(htlc->hash)},
            {"receiver", wallet::EncodeKeyAddress(params, htlc->receiver)},
            {"sender", wallet::EncodeKeyAddress(params, htlc->sender)},
            {"timeout", htlc->timeout_height}};
  }
  const auto& multi = std::get<wallet::MultisigTerms>(terms);
  json keys = json::array();
  for (const auto& key : multi.keys) keys.push_back(wallet::EncodeKeyAddress(params, key));
  return {{"required", multi.required}, {"keys", keys}};
}

json ContractToJson(const wallet::ContractInfo& info, const consensus::ChainParams& params) {
  json leaves = json::array();
  const auto names = wallet::ContractLeaves(info.terms);
  for (size_t i = 0; i < names.size(); ++i) {
    leaves.push_back({{"name", names[i].name},
                      {"script", util::ToHex(names[i].script)},
                      {"leaf_hash", util::ToHex(info.output.leaves[i].leaf_hash.span())},
                      {"control_block", util::ToHex(info.output.control_blocks[i])}});
  }
  json unspent = json::array();
  consensus::Amount balance = 0;
  for (const auto& utxo : info.unspent) {
    unspent.push_back({{"txid", utxo.outpoint.txid.ToHex()},
                       {"vout", utxo.outpoint.index},
                       {"amount", AmountToJson(utxo.out.value)},
                       {"height", utxo.height}});
    balance += utxo.out.value;
  }
  return {{"address", info.address},
          {"template", std::string(wallet::TemplateName(info.terms))},
          {"terms", TermsToJson(info.terms, params)},
          {"scriptPubKey", util::ToHex(consensus::KeyPathScript(info.output.output_key))},
          {"leaves", leaves},
          {"unspent", unspent},
          {"balance", AmountToJson(balance)}};
}

Result<json> CreateContract(wallet::Wallet& wallet, const consensus::ChainParams& chain_params,
                            const WalletMethodsOptions& options, const json& params) {
  Params p(params, {"template", "terms", "amount", "fee_rate"});
  PARTHENON_TRY(p.CheckShape());
  auto name = p.String(0);
  if (!name) return std::unexpected(name.error());
  const json* terms_value = p.Get(1);
  if (terms_value == nullptr) return MakeError(ErrorCode::kInvalidParams, "missing parameter 'terms'");
  auto terms = ParseTerms(wallet, *name, *terms_value);
  if (!terms) return std::unexpected(terms.error());
  auto fee_rate = p.OptionalInt(3, 1, 1'000'000);
  if (!fee_rate) return std::unexpected(fee_rate.error());
  auto info = wallet.AddContract(*terms);
  if (!info) return std::unexpected(FromChain(info.error(), CodeFor(info.error())));
  json out = ContractToJson(*info, chain_params);
  // Deploying: fund the contract's output from the wallet.
  if (const json* amount_value = p.Get(2)) {
    auto amount = ParseAmount(*amount_value);
    if (!amount) return std::unexpected(amount.error());
    auto txid = wallet.SendToAddress(info->address, *amount, fee_rate->value_or(options.fee_rate));
    if (!txid) return std::unexpected(FromChain(txid.error(), CodeFor(txid.error())));
    if (options.on_transaction_sent) options.on_transaction_sent(*txid);
    out["txid"] = txid->ToHex();
  }
  return out;
}

json SpendJson(const wallet::ContractSpend& spend) {
  return {{"hex", util::ToHex(primitives::Serialize(spend.tx))}, {"complete", spend.complete}};
}

Result<json> SignContract(wallet::Wallet& wallet, const json& params) {
  Params p(params, {"hex", "address"});
  PARTHENON_TRY(p.CheckShape());
  auto hex = p.String(0);
  if (!hex) return std::unexpected(hex.error());
  auto address = p.String(1);
  if (!address) return std::unexpected(address.error());
  auto bytes = util::FromHex(*hex);
  if (!bytes) return MakeError(ErrorCode::kDeserializationError, "hex is not hexadecimal");
  auto tx = primitives::DecodeTransaction(*bytes);
  if (!tx) return MakeError(ErrorCode::kDeserializationError, "hex is not a transaction");
  auto signed_spend = wallet.SignContractSpend(std::move(*tx), *address);
  if (!signed_spend) return std::unexpected(FromChain(signed_spend.error(), CodeFor(signed_spend.error())));
  return SpendJson(*signed_spend);
}

Result<json> SpendContract(wallet::Wallet& wallet, const WalletMethodsOptions& options, const json& params) {
  Params p(params, {"address", "leaf", "preimage", "destination", "fee_rate", "partial"});
  PARTHENON_TRY(p.CheckShape());
  auto address = p.String(0);
  if (!address) return std::unexpected(address.error());
  auto leaf = p.String(1);
  if (!leaf) return std::unexpected(leaf.error());
  wallet::ContractSpendRequest request{.address = *address, .leaf = *leaf, .preimage = {}, .destination = {},
                                       .feerate = options.fee_rate};
  if (const json* preimage = p.Get(2)) {
    auto bytes = HexField(*preimage, "preimage", std::nullopt);
    if (!bytes) return std::unexpected(bytes.error());
    request.preimage = std::move(*bytes);
  }
  auto destination = p.OptionalString(3);
  if (!destination) return std::unexpected(destination.error());
  request.destination = *destination;
  auto fee_rate = p.OptionalInt(4, 1, 1'000'000);
  if (!fee_rate) return std::unexpected(fee_rate.error());
  if (*fee_rate) request.feerate = **fee_rate;
  auto partial = p.OptionalBool(5);
  if (!partial) return std::unexpected(partial.error());
  if (partial->value_or(false)) {
    // Not submitted: the other signers add theirs with signcontract, then sendrawtransaction.
    request.partial = true;
    auto tx = wallet.CreateContractSpend(request);
    if (!tx) return std::unexpected(FromChain(tx.error(), CodeFor(tx.error())));
    // Signing again adds nothing (this wallet's keys are used) and says whether it is complete.
    auto checked = wallet.SignContractSpend(std::move(*tx), request.address);
    if (!checked) return std::unexpected(FromChain(checked.error(), CodeFor(checked.error())));
    return SpendJson(*checked);
  }
  auto txid = wallet.SpendContract(request);
  if (!txid) return std::unexpected(FromChain(txid.error(), CodeFor(txid.error())));
  if (options.on_transaction_sent) options.on_transaction_sent(*txid);
  return txid->ToHex();
}

}  // namespace

void RegisterContractMethods(Dispatcher& dispatcher, wallet::Wallet& wallet, const consensus::ChainParams& params,
                             const WalletMethodsOptions& options) {
  dispatcher.Register({"createcontract", "template terms [amount] [fee_rate]",
                       "Tracks a contract (template 'htlc': terms {hash, receiver, sender, timeout}; 'multisig': "
                       "terms {required, keys}); with `amount`, also funds it (deploys). Returns the contract.",
                       [&wallet, &params, options](const json& request) {
                         return CreateContract(wallet, params, options, request);
                       }});
  dispatcher.Register({"getcontract", "address", "A tracked contract: terms, leaves and unspent outputs.",
                       [&wallet, &params](const json& request) -> Result<json> {
                         Params p(request, {"address"});
                         PARTHENON_TRY(p.CheckShape());
                         auto address = p.String(0);
                         if (!address) return std::unexpected(address.error());
                         auto info = wallet.GetContract(*address);
                         if (!info) return std::unexpected(FromChain(info.error(), CodeFor(info.error())));
                         return ContractToJson(*info, params);
                       }});
  dispatcher.Register({"listcontracts", "", "Every contract the wallet tracks.",
                       [&wallet, &params](const json& request) -> Result<json> {
                         PARTHENON_TRY(Params(request, {}).CheckShape());
                         auto infos = wallet.ListContracts();
                         if (!infos) return std::unexpected(FromChain(infos.error(), ErrorCode::kMiscError));
                         json out = json::array();
                         for (const auto& info : *infos) out.push_back(ContractToJson(info, params));
                         return out;
                       }});
  dispatcher.Register({"signcontract", "hex address",
                       "Adds this wallet's signatures to a partial multisig spend of the contract at `address`; "
                       "returns {hex, complete}.",
                       [&wallet](const json& request) { return SignContract(wallet, request); }});
  dispatcher.Register({"spendcontract", "address leaf [preimage] [destination] [fee_rate] [partial]",
                       "Spends every unspent output of a contract by `leaf` (htlc: claim | refund; multisig) with "
                       "the wallet's keys; returns the txid. With partial=true (multisig), returns {hex, complete} "
                       "unsent, signed with the keys this wallet holds.",
                       [&wallet, options](const json& request) { return SpendContract(wallet, options, request); }});
}

}  // namespace parthenon::rpc
