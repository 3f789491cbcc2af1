#include "rpc/chain_methods.h"

#include "consensus/script.h"
#include "rpc/encode.h"
#include "rpc/params.h"
#include "util/hex.h"
#include "util/result.h"
#include "wallet/address.h"

namespace parthenon::rpc {
namespace {

using nlohmann::json;

#define RPC_TRY_ASSIGN(var, expr)                          \
  auto var##_result = (expr);                              \
  if (!var##_result) return std::unexpected(var##_result.error()); \
  auto var = std::move(*var##_result)

// The RPC error for a block that could not be read: missing, or stored but damaged.
Error BlockReadError(const chain::Error& error, std::string_view missing) {
  if (error.code == chain::ErrorCode::kCorruption) {
    return {ErrorCode::kMiscError, "Block data is corrupt on disk: " + error.detail +
                                       " (logged; the block is marked to be fetched again from a peer)"};
  }
  return {ErrorCode::kInvalidAddress, std::string(missing)};
}

// What a failed submission tells the caller: the storage failure itself ("disk full: <path>, N
// bytes free, writes stopped") rather than the bare reason "storage" or "shut-down".
std::string SubmitErrorText(const chain::Error& error) {
  const bool storage = error.code == chain::ErrorCode::kStorage || error.code == chain::ErrorCode::kShutDown ||
                       error.code == chain::ErrorCode::kCorruption;
  return storage && !error.detail.empty() ? error.detail : std::string(error.Reason());
}

BlockPlace PlaceOf(const chain::Chainstate& chainstate, const crypto::Uint256& hash) {
  BlockPlace place;
  const auto height = chainstate.GetHeight(hash);
  if (!height || chainstate.GetBlockHash(*height) != hash) return place;
  place.height = *height;
  place.confirmations = chainstate.Tip().height - *height + 1;
  place.next = chainstate.GetBlockHash(*height + 1);
  return place;
}

Result<json> GetBlockchainInfo(chain::Chainstate& chainstate) {
  const chain::ChainTip tip = chainstate.Tip();
  const chain::ChainTip headers = chainstate.HeaderTip();
  const auto header = chainstate.GetHeader(tip.hash);
  const auto& params = chainstate.params();
  return json{{"chain", std::string(params.name)},
              {"blocks", tip.height},
              {"headers", headers.height},
              {"bestblockhash", tip.hash.ToHex()},
              {"difficulty", header ? Difficulty(header->bits, params) : 0.0},
              {"time", tip.time},
              {"chainwork", tip.chain_work.ToHex()},
              {"verificationprogress", headers.height == 0 ? 1.0
                                       : static_cast<double>(tip.height) / headers.height},
              {"initialblockdownload", tip.height < headers.height}};
}

Result<json> GetBlockHash(chain::Chainstate& chainstate, const json& params) {
  Params p(params, {"height"});
  PARTHENON_TRY(p.CheckShape());
  RPC_TRY_ASSIGN(height, p.Int(0, 0, INT32_MAX));
  const auto hash = chainstate.GetBlockHash(static_cast<int32_t>(height));
  if (!hash) return MakeError(ErrorCode::kInvalidParameter, "Block height out of range");
  return hash->ToHex();
}

Result<json> GetBlock(chain::Chainstate& chainstate, const json& params) {
  Params p(params, {"blockhash", "verbosity"});
  PARTHENON_TRY(p.CheckShape());
  RPC_TRY_ASSIGN(hash, p.Hash(0));
  RPC_TRY_ASSIGN(verbosity, p.OptionalInt(1, 0, 2));
  auto block = chainstate.GetBlock(hash);
  if (!block) return std::unexpected(BlockReadError(block.error(), "Block not found"));
  if (verbosity.value_or(1) == 0) return util::ToHex(primitives::Serialize(*block));
  return BlockToJson(*block, PlaceOf(chainstate, hash), static_cast<int>(verbosity.value_or(1)),
                     chainstate.params());
}

Result<json> GetBlockHeader(chain::Chainstate& chainstate, const json& params) {
  Params p(params, {"blockhash", "verbose"});
  PARTHENON_TRY(p.CheckShape());
  RPC_TRY_ASSIGN(hash, p.Hash(0));
  RPC_TRY_ASSIGN(verbose, p.OptionalBool(1));
  const auto header = chainstate.GetHeader(hash);
  if (!header) return MakeError(ErrorCode::kInvalidAddress, "Block not found");
  if (!verbose.value_or(true)) {
    const auto bytes = primitives::SerializeHeader(*header);
    return util::ToHex(bytes);
  }
  json out = HeaderToJson(*header, PlaceOf(chainstate, hash));
  out["difficulty"] = Difficulty(header->bits, chainstate.params());
  return out;
}

Result<json> GetRawTransaction(chain::Chainstate& chainstate, const json& params) {
  Params p(params, {"txid", "verbose", "blockhash"});
  PARTHENON_TRY(p.CheckShape());
  RPC_TRY_ASSIGN(txid, p.Hash(0));
  RPC_TRY_ASSIGN(verbose, p.OptionalBool(1));
  std::optional<primitives::Transaction> found = chainstate.MempoolGet(txid);
  std::optional<crypto::Uint256> in_block;
  if (!found && p.Get(2) != nullptr) {
    RPC_TRY_ASSIGN(block_hash, p.Hash(2));
    auto block = chainstate.GetBlock(block_hash);
    if (!block) return std::unexpected(BlockReadError(block.error(), "Block hash not found"));
    for (const auto& tx : block->transactions) {
      if (primitives::Txid(tx) == txid) found = tx;
    }
    in_block = block_hash;
  }
  if (!found) {
    return MakeError(ErrorCode::kInvalidAddress,
                     "No such mempool transaction. There is no transaction index: give the "
                     "hash of the block that holds it as the third parameter");
  }
  if (!verbose.value_or(false)) return util::ToHex(primitives::Serialize(*found));
  json out = TxToJson(*found, chainstate.params());
  if (in_block) out["blockhash"] = in_block->ToHex();
  return out;
}

Result<json> SendRawTransaction(chain::Chainstate& chainstate, const ChainMethodsOptions& options,
                                const json& params) {
  Params p(params, {"hexstring"});
  PARTHENON_TRY(p.CheckShape());
  RPC_TRY_ASSIGN(hex, p.String(0));
  auto bytes = util::FromHex(hex);
  if (!bytes) return MakeError(ErrorCode::kDeserializationError, "TX decode failed: not hex");
  auto tx = primitives::DecodeTransaction(*bytes);
  if (!tx) {
    return MakeError(ErrorCode::kDeserializationError,
                     std::string("TX decode failed: ") + std::string(primitives::ToString(tx.error())));
  }
  const crypto::Uint256 txid = primitives::Txid(*tx);
  if (chainstate.MempoolContains(txid)) return txid.ToHex();  // already known: idempotent
  auto outcome = chainstate.SubmitTransaction(*tx);
  if (!outcome) return MakeError(ErrorCode::kVerifyRejected, std::string(outcome.error().Reason()));
  if (*outcome == chain::TxOutcome::kOrphan) {
    return MakeError(ErrorCode::kVerifyError, "bad-txns-inputs-missingorspent");
  }
  if (options.on_transaction_sent) options.on_transaction_sent(*tx);
  return txid.ToHex();
}

Result<json> GenerateToAddress(chain::Chainstate& chainstate, const ChainMethodsOptions& options,
                               const json& params) {
  if (chainstate.params().network != consensus::Network::kRegtest) {
    return MakeError(ErrorCode::kMiscError, "generatetoaddress is only available on regtest");
  }
  Params p(params, {"nblocks", "address"});
  PARTHENON_TRY(p.CheckShape());
  RPC_TRY_ASSIGN(count, p.Int(0, 1, 10'000));
  RPC_TRY_ASSIGN(address, p.String(1));
  auto key = wallet::DecodeKeyAddress(chainstate.params(), address);
  if (!key) {
    return MakeError(ErrorCode::kInvalidAddress,
                     "Invalid address: " + std::string(wallet::ToString(key.error())));
  }
  const util::Bytes script = consensus::KeyPathScript(*key);
  json hashes = json::array();
  for (int64_t i = 0; i < count; ++i) {
    auto block_template = chainstate.CreateBlockTemplate(script);
    if (!block_template) return MakeError(ErrorCode::kMiscError, std::string(block_template.error().Reason()));
    auto block = chain::MineBlock(std::move(block_template->block), chainstate.params());
    if (!block) return MakeError(ErrorCode::kMiscError, std::string(block.error().Reason()));
    auto outcome = chainstate.SubmitBlock(*block);
    if (!outcome) return MakeError(ErrorCode::kVerifyError, SubmitErrorText(outcome.error()));
    hashes.push_back(block->header.Hash().ToHex());
    if (options.on_block_generated) options.on_block_generated(*block);
  }
  return hashes;
}

}  // namespace

void RegisterChainMethods(Dispatcher& dispatcher, chain::Chainstate& chainstate,
                          ChainMethodsOptions options) {
  auto no_params = [](const json& params) -> Result<void> { return Params(params, {}).CheckShape(); };
  dispatcher.Register({"getblockchaininfo", "", "State of the block chain: tip, headers, difficulty, work.",
                       [&chainstate, no_params](const json& params) -> Result<json> {
                         PARTHENON_TRY(no_params(params));
                         return GetBlockchainInfo(chainstate);
                       }});
  dispatcher.Register({"getblockcount", "", "Height of the best chain.",
                       [&chainstate, no_params](const json& params) -> Result<json> {
                         PARTHENON_TRY(no_params(params));
                         return chainstate.Tip().height;
                       }});
  dispatcher.Register({"getbestblockhash", "", "Hash of the tip of the best chain.",
                       [&chainstate, no_params](const json& params) -> Result<json> {
                         PARTHENON_TRY(no_params(params));
                         return chainstate.Tip().hash.ToHex();
                       }});
  dispatcher.Register({"getblockhash", "height", "Hash of the best chain's block at `height`.",
                       [&chainstate](const json& params) { return GetBlockHash(chainstate, params); }});
  dispatcher.Register({"getblock", "blockhash [verbosity=1]",
                       "A block: 0 raw hex, 1 JSON with txids, 2 JSON with transactions.",
                       [&chainstate](const json& params) { return GetBlock(chainstate, params); }});
  dispatcher.Register({"getblockheader", "blockhash [verbose=true]", "A block header, as JSON or hex.",
                       [&chainstate](const json& params) { return GetBlockHeader(chainstate, params); }});
  dispatcher.Register({"getrawtransaction", "txid [verbose=false] [blockhash]",
                       "A mempool transaction, or one in the given block.",
                       [&chainstate](const json& params) { return GetRawTransaction(chainstate, params); }});
  dispatcher.Register({"sendrawtransaction", "hexstring",
                       "Validates a transaction, adds it to the mempool and relays it; returns its txid.",
                       [&chainstate, options](const json& params) {
                         return SendRawTransaction(chainstate, options, params);
                       }});
  dispatcher.Register({"getmempoolinfo", "", "Mempool size, bytes, fees and minimum relay fee rate.",
                       [&chainstate, no_params](const json& params) -> Result<json> {
                         PARTHENON_TRY(no_params(params));
                         const chain::MempoolInfo info = chainstate.GetMempoolInfo();
                         return json{{"size", info.count}, {"bytes", info.vbytes},
                                     {"total_fee", AmountToJson(info.total_fee)},
                                     {"maxmempool", info.max_vbytes},
                                     {"minrelaytxfee_per_vbyte", info.min_relay_feerate}};
                       }});
  dispatcher.Register({"getrawmempool", "", "Txids in the mempool.",
                       [&chainstate, no_params](const json& params) -> Result<json> {
                         PARTHENON_TRY(no_params(params));
                         json out = json::array();
                         for (const auto& txid : chainstate.MempoolTxids()) out.push_back(txid.ToHex());
                         return out;
                       }});
  dispatcher.Register({"generatetoaddress", "nblocks address",
                       "Regtest: mines `nblocks` blocks paying `address`; returns their hashes.",
                       [&chainstate, options](const json& params) {
                         return GenerateToAddress(chainstate, options, params);
                       }});
}

}  // namespace parthenon::rpc
