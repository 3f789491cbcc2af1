#include "wallet/wallet.h"

#include <algorithm>

#include "consensus/script.h"
#include "consensus/sighash.h"
#include "wallet/address.h"

namespace parthenon::wallet {
namespace {

constexpr std::string_view kKeyPrefix = "key/";
constexpr std::string_view kContractPrefix = "contract/";  // + output script -> SerializeTerms
// Virtual sizes of a key-path spend: overhead, per input (with its 64-byte signature), per output.
constexpr int64_t kTxOverheadVbytes = 11;
constexpr int64_t kInputVbytes = 58;
constexpr int64_t kOutputVbytes = 43;
// Change below this is left to the fee rather than creating a dust output.
constexpr consensus::Amount kMinChange = 1000;

util::Bytes KeyRecordKey(const crypto::XOnlyPublicKey& key) {
  util::Bytes out = util::ToBytes(kKeyPrefix);
  out.insert(out.end(), key.begin(), key.end());
  return out;
}

}  // namespace

chain::Result<std::unique_ptr<Wallet>> Wallet::Open(chain::Chainstate& chainstate) {
  std::unique_ptr<Wallet> wallet(new Wallet(chainstate));
  std::map<util::Bytes, crypto::KeyPair> keys;
  std::optional<chain::Error> bad;
  auto scanned = chainstate.Column(storage::Column::kWallet).Scan(
      util::AsBytes(kKeyPrefix), [&](util::ByteSpan, util::ByteSpan value) {
        if (value.size() != 32) {
          bad = chain::Error::Code(chain::ErrorCode::kCorruption, "wallet key record is not 32 bytes");
          return false;
        }
        auto key = crypto::KeyPair::FromSecret(std::span<const std::byte, 32>(value.data(), 32));
        if (!key) {
          bad = chain::Error::Code(chain::ErrorCode::kCorruption, "wallet key record is not a valid key");
          return false;
        }
        keys.emplace(consensus::KeyPathScript(key->PublicKey()), *key);
        return true;
      });
  if (!scanned) return std::unexpected(chain::Error::Storage(scanned.error()));
  if (bad) return std::unexpected(*bad);
  std::map<util::Bytes, ContractTerms> contracts;
  scanned = chainstate.Column(storage::Column::kWallet).Scan(
      util::AsBytes(kContractPrefix), [&](util::ByteSpan, util::ByteSpan value) {
        auto terms = ParseTerms(value);
        auto output = terms ? ContractOutput(*terms) : std::unexpected(terms.error());
        if (!output) {
          bad = chain::Error::Code(chain::ErrorCode::kCorruption, "wallet contract record does not decode");
          return false;
        }
        contracts.emplace(consensus::KeyPathScript(output->output_key), std::move(*terms));
        return true;
      });
  if (!scanned) return std::unexpected(chain::Error::Storage(scanned.error()));
  if (bad) return std::unexpected(*bad);
  util::MutexLock lock(wallet->mutex_);
  wallet->keys_ = std::move(keys);
  wallet->contracts_ = std::move(contracts);
  return wallet;
}

chain::Result<crypto::KeyPair> Wallet::NewKey() {
  const auto key = crypto::KeyPair::Generate();
  const auto secret = key.Secret();
  PARTHENON_TRY_STORAGE(chainstate_.Column(storage::Column::kWallet).Put(KeyRecordKey(key.PublicKey()), secret));
  keys_.emplace(consensus::KeyPathScript(key.PublicKey()), key);
  return key;
}

chain::Result<std::string> Wallet::GetNewAddress() {
  util::MutexLock lock(mutex_);
  auto key = NewKey();
  if (!key) return std::unexpected(key.error());
  return EncodeKeyAddress(chainstate_.params(), key->PublicKey());
}

size_t Wallet::KeyCount() const {
  util::MutexLock lock(mutex_);
  return keys_.size();
}

std::vector<util::Bytes> Wallet::Scripts() const {
  std::vector<util::Bytes> scripts;
  for (const auto& [script, key] : keys_) scripts.push_back(script);
  return scripts;
}

chain::Result<std::vector<WalletCoin>> Wallet::ListUnspent() const {
  std::vector<util::Bytes> scripts;
  {
    util::MutexLock lock(mutex_);
    scripts = Scripts();
  }
  auto utxos = chainstate_.ListUtxos(scripts);
  if (!utxos) return std::unexpected(utxos.error());
  const int32_t next_height = chainstate_.Tip().height + 1;
  std::vector<WalletCoin> coins;
  for (auto& utxo : *utxos) {
    if (chainstate_.MempoolSpender(utxo.outpoint)) continue;
    const bool mature = !utxo.coinbase || next_height - utxo.height >= consensus::kCoinbaseMaturity;
    coins.push_back({std::move(utxo), mature});
  }
  return coins;
}

chain::Result<Balance> Wallet::GetBalance() const {
  auto coins = ListUnspent();
  if (!coins) return std::unexpected(coins.error());
  Balance balance;
  for (const auto& coin : *coins) (coin.mature ? balance.confirmed : balance.immature) += coin.utxo.out.value;
  return balance;
}

chain::Result<primitives::Transaction> Wallet::CreatePayment(std::string_view address,
                                                             consensus::Amount amount, int64_t feerate) {
  auto destination = DecodeKeyAddress(chainstate_.params(), address);
  if (!destination) return chain::Fail(chain::ErrorCode::kNotFound, "invalid address");
  if (amount <= 0 || !consensus::MoneyRange(amount)) return chain::Fail(chain::ErrorCode::kInsufficientFunds);
  auto coins = ListUnspent();
  if (!coins) return std::unexpected(coins.error());
  std::erase_if(*coins, [](const WalletCoin& coin) { return !coin.mature; });
  std::sort(coins->begin(), coins->end(),
            [](const auto& a, const auto& b) { return a.utxo.out.value > b.utxo.out.value; });

  util::MutexLock lock(mutex_);
  primitives::Transaction tx;
  tx.outputs.push_back({.value = amount, .script_pubkey = consensus::KeyPathScript(*destination)});
  std::vector<primitives::TxOut> spent;
  consensus::Amount selected = 0;
  consensus::Amount fee = 0;
  for (const auto& coin : *coins) {
    tx.inputs.push_back({.prevout = coin.utxo.outpoint, .script_sig = {}, .sequence = 0xffffffff, .witness = {}});
    spent.push_back(coin.utxo.out);
    selected += coin.utxo.out.value;
    fee = feerate * (kTxOverheadVbytes + kInputVbytes * static_cast<int64_t>(tx.inputs.size()) + 2 * kOutputVbytes);
    if (selected >= amount + fee) break;
  }
  if (selected < amount + fee) return chain::Fail(chain::ErrorCode::kInsufficientFunds);
  if (selected - amount - fee >= kMinChange) {
    auto change = NewKey();
    if (!change) return std::unexpected(change.error());
    tx.outputs.push_back({.value = selected - amount - fee, .script_pubkey = consensus::KeyPathScript(change->PublicKey())});
  }
  const auto precomputed = consensus::PrecomputeSighash(tx, spent);
  for (size_t i = 0; i < tx.inputs.size(); ++i) {
    auto sighash = consensus::SignatureHash(tx, i, 0, spent, precomputed);
    if (!sighash) return chain::Fail(sighash.error());
    const auto sig = keys_.at(spent[i].script_pubkey).Sign(sighash->span());
    tx.inputs[i].witness = {util::Bytes(sig.begin(), sig.end())};
  }
  return tx;
}

chain::Result<crypto::Uint256> Wallet::SendToAddress(std::string_view address, consensus::Amount amount,
                                                     int64_t feerate) {
  auto tx = CreatePayment(address, amount, feerate);
  if (!tx) return std::unexpected(tx.error());
  auto submitted = chainstate_.SubmitTransaction(*tx);
  if (!submitted) return std::unexpected(submitted.error());
  return primitives::Txid(*tx);
}

}  // namespace parthenon::wallet
