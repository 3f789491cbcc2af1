#include "rpc/wallet_methods.h"

#include "rpc/contract_methods.h"
#include "rpc/encode.h"
#include "rpc/params.h"
#include "util/hex.h"
#include "util/result.h"
#include "wallet/address.h"

namespace parthenon::rpc {
namespace {

using nlohmann::json;

Error FromChain(const chain::Error& error, ErrorCode code) {
  return Error{code, std::string(error.Reason())};
}

Result<json> SendToAddress(wallet::Wallet& wallet, const consensus::ChainParams& chain_params,
                           const WalletMethodsOptions& options, const json& params) {
  Params p(params, {"address", "amount", "fee_rate"});
  PARTHENON_TRY(p.CheckShape());
  auto address = p.String(0);
  if (!address) return std::unexpected(address.error());
  if (auto key = wallet::DecodeKeyAddress(chain_params, *address); !key) {
    return MakeError(ErrorCode::kInvalidAddress,
                     "Invalid address: " + std::string(wallet::ToString(key.error())));
  }
  const json* amount_value = p.Get(1);
  if (amount_value == nullptr) return MakeError(ErrorCode::kInvalidParams, "missing parameter 'amount'");
  auto amount = ParseAmount(*amount_value);
  if (!amount) return std::unexpected(amount.error());
  auto fee_rate = p.OptionalInt(2, 1, 1'000'000);
  if (!fee_rate) return std::unexpected(fee_rate.error());
  auto txid = wallet.SendToAddress(*address, *amount, fee_rate->value_or(options.fee_rate));
  if (!txid) {
    const bool funds = txid.error().Reason().find("insufficient") != std::string_view::npos;
    return std::unexpected(FromChain(txid.error(), funds ? ErrorCode::kWalletInsufficientFunds
                                                         : ErrorCode::kVerifyRejected));
  }
  if (options.on_transaction_sent) options.on_transaction_sent(*txid);
  return txid->ToHex();
}

}  // namespace

void RegisterWalletMethods(Dispatcher& dispatcher, wallet::Wallet& wallet,
                           const consensus::ChainParams& params, WalletMethodsOptions options) {
  dispatcher.Register({"getnewaddress", "", "A new address of the node's wallet.",
                       [&wallet](const json& request) -> Result<json> {
                         PARTHENON_TRY(Params(request, {}).CheckShape());
                         auto address = wallet.GetNewAddress();
                         if (!address) return std::unexpected(FromChain(address.error(), ErrorCode::kMiscError));
                         return *address;
                       }});
  dispatcher.Register({"getbalance", "", "Spendable balance in coins (immature coinbase excluded).",
                       [&wallet](const json& request) -> Result<json> {
                         PARTHENON_TRY(Params(request, {}).CheckShape());
                         auto balance = wallet.GetBalance();
                         if (!balance) return std::unexpected(FromChain(balance.error(), ErrorCode::kMiscError));
                         return AmountToJson(balance->confirmed);
                       }});
  dispatcher.Register({"listunspent", "", "The wallet's unspent outputs.",
                       [&wallet](const json& request) -> Result<json> {
                         PARTHENON_TRY(Params(request, {}).CheckShape());
                         auto coins = wallet.ListUnspent();
                         if (!coins) return std::unexpected(FromChain(coins.error(), ErrorCode::kMiscError));
                         json out = json::array();
                         for (const auto& coin : *coins) {
                           json entry{{"txid", coin.utxo.outpoint.txid.ToHex()},
                                      {"vout", coin.utxo.outpoint.index},
                                      {"amount", AmountToJson(coin.utxo.out.value)},
                                      {"height", coin.utxo.height},
                                      {"coinbase", coin.utxo.coinbase},
                                      {"spendable", coin.mature},
                                      {"scriptPubKey", util::ToHex(coin.utxo.out.script_pubkey)}};
                           out.push_back(std::move(entry));
                         }
                         return out;
                       }});
  dispatcher.Register({"sendtoaddress", "address amount [fee_rate]",
                       "Pays `amount` coins to `address` (fee_rate in units per vbyte); returns the txid.",
                       [&wallet, &params, options](const json& request) {
                         return SendToAddress(wallet, params, options, request);
                       }});
  RegisterContractMethods(dispatcher, wallet, params, options);
}

}  // namespace parthenon::rpc
