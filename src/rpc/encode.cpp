#include "rpc/encode.h"

#include <cmath>
#include <string>

#include "consensus/script.h"
#include "primitives/merkle.h"
#include "util/hex.h"
#include "wallet/address.h"

namespace parthenon::rpc {
namespace {

nlohmann::json ScriptToJson(const util::Bytes& script, const consensus::ChainParams& params) {
  nlohmann::json out{{"hex", util::ToHex(script)}};
  if (auto key = consensus::KeyPathKey(script)) {
    out["type"] = "witness_v1_keypath";
    out["address"] = wallet::EncodeKeyAddress(params, *key);
  } else if (consensus::IsNullData(script)) {
    out["type"] = "nulldata";
  } else {
    out["type"] = "nonstandard";
  }
  return out;
}

}  // namespace

nlohmann::json AmountToJson(consensus::Amount amount) {
  return static_cast<double>(amount) / static_cast<double>(consensus::kCoin);
}

Result<consensus::Amount> ParseAmount(const nlohmann::json& value) {
  std::string text;
  if (value.is_string()) {
    text = value.get<std::string>();
  } else if (value.is_number()) {
    // Print with enough digits to recover the decimal the client meant.
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), "%.8f", value.get<double>());
    text = buffer;
  } else {
    return MakeError(ErrorCode::kTypeError, "amount must be a number or a decimal string");
  }
  const size_t dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
  while (fraction.size() > 8 && fraction.back() == '0') fraction.pop_back();
  auto digits = [](const std::string& s) {
    return s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (whole.empty() || whole.size() > 8 || !digits(whole) || !digits(fraction) || fraction.size() > 8) {
    return MakeError(ErrorCode::kTypeError, "invalid amount '" + text + "' (at most 8 decimals)");
  }
  fraction.resize(8, '0');
  const consensus::Amount amount = std::stoll(whole) * consensus::kCoin + std::stoll(fraction);
  if (amount <= 0 || !consensus::MoneyRange(amount)) {
    return MakeError(ErrorCode::kTypeError, "amount out of range");
  }
  return amount;
}

nlohmann::json TxToJson(const primitives::Transaction& tx, const consensus::ChainParams& params) {
  nlohmann::json vin = nlohmann::json::array();
  for (const auto& in : tx.inputs) {
    nlohmann::json entry;
    if (tx.IsCoinbase()) {
      entry["coinbase"] = util::ToHex(in.script_sig);
    } else {
      entry["txid"] = in.prevout.txid.ToHex();
      entry["vout"] = in.prevout.index;
    }
    nlohmann::json witness = nlohmann::json::array();
    for (const auto& item : in.witness) witness.push_back(util::ToHex(item));
    if (!witness.empty()) entry["txinwitness"] = witness;
    entry["sequence"] = in.sequence;
    vin.push_back(std::move(entry));
  }
  nlohmann::json vout = nlohmann::json::array();
  for (size_t n = 0; n < tx.outputs.size(); ++n) {
    vout.push_back({{"value", AmountToJson(tx.outputs[n].value)},
                    {"n", n},
                    {"scriptPubKey", ScriptToJson(tx.outputs[n].script_pubkey, params)}});
  }
  return {{"txid", primitives::Txid(tx).ToHex()},
          {"hash", primitives::Wtxid(tx).ToHex()},
          {"version", tx.version},
          {"size", primitives::SerializedSize(tx)},
          {"vsize", primitives::VirtualSize(tx)},
          {"weight", primitives::Weight(tx)},
          {"locktime", tx.lock_time},
          {"vin", vin},
          {"vout", vout},
          {"hex", util::ToHex(primitives::Serialize(tx))}};
}

double Difficulty(uint32_t bits, const consensus::ChainParams& params) {
  const auto target = crypto::ArithUint256::FromCompact(bits).value;
  if (target.IsZero()) return 0;
  // Ratio of the limit to the target, computed in floating point from the top bits.
  auto to_double = [](const crypto::ArithUint256& v) {
    double out = 0;
    const auto bytes = v.ToUint256();
    for (int i = 31; i >= 0; --i) out = out * 256.0 + std::to_integer<int>(bytes.data()[i]);
    return out;
  };
  return to_double(params.pow_limit) / to_double(target);
}

nlohmann::json HeaderToJson(const primitives::BlockHeader& header, const BlockPlace& place) {
  char bits[9];
  std::snprintf(bits, sizeof(bits), "%08x", header.bits);
  nlohmann::json out{{"hash", header.Hash().ToHex()},
                     {"confirmations", place.confirmations},
                     {"height", place.height},
                     {"version", header.version},
                     {"merkleroot", header.merkle_root.ToHex()},
                     {"time", header.time},
                     {"nonce", header.nonce},
                     {"bits", bits},
                     {"previousblockhash", header.prev_block.ToHex()}};
  if (place.next) out["nextblockhash"] = place.next->ToHex();
  return out;
}

nlohmann::json BlockToJson(const primitives::Block& block, const BlockPlace& place, int verbosity,
                           const consensus::ChainParams& params) {
  nlohmann::json out = HeaderToJson(block.header, place);
  out["size"] = primitives::SerializedSize(block);
  out["strippedsize"] = primitives::SerializedSize(block, primitives::WitnessMode::kExclude);
  out["weight"] = primitives::Weight(block);
  out["nTx"] = block.transactions.size();
  out["difficulty"] = Difficulty(block.header.bits, params);
  nlohmann::json txs = nlohmann::json::array();
  for (const auto& tx : block.transactions) {
    txs.push_back(verbosity >= 2 ? TxToJson(tx, params) : nlohmann::json(primitives::Txid(tx).ToHex()));
  }
  out["tx"] = txs;
  return out;
}

}  // namespace parthenon::rpc
