// Wallet: the node's minimal key wallet. Keys (BIP340 key pairs) live in the `wallet` column of
// the node's database, whose directory and files are owner-only (mode 0700 / 0600). Coins are
// found by scanning the UTXO set for the wallet's scripts, so the wallet needs no chain
// notifications and is always consistent with the chainstate's tip.
//
// Thread-safety: thread-safe (an internal mutex guards the key map).
#pragma once

#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "chain/chainstate.h"
#include "crypto/schnorr.h"
#include "util/mutex.h"
#include "wallet/contract.h"

namespace parthenon::wallet {

struct Balance {
  consensus::Amount confirmed = 0;  // spendable in the next block and not spent in the mempool
  consensus::Amount immature = 0;   // coinbase outputs younger than the maturity
};

struct WalletCoin {
  chain::UtxoEntry utxo;
  bool mature = true;
};

// A contract the wallet tracks, and its outputs on the chain.
struct ContractInfo {
  std::string address;
  ContractTerms terms;
  consensus::TaprootOutput output;
  std::vector<chain::UtxoEntry> unspent;  // not spent by a mempool transaction either
};

// How to spend a contract: which leaf, the HTLC preimage for "claim", where the coins go
// (nullopt: a new wallet address), and the fee rate in units per vbyte.
struct ContractSpendRequest {
  std::string address;
  std::string leaf;
  util::Bytes preimage;
  std::optional<std::string> destination;
  int64_t feerate = 2;
  // Multisig: sign with the keys this wallet holds even if they are fewer than required (the
  // other signers add theirs with SignContractSpend). The fee assumes every signature.
  bool partial = false;
};

// A contract spend and whether it carries every signature it needs.
struct ContractSpend {
  primitives::Transaction tx;
  bool complete = false;
};

class Wallet {
 public:
  // Loads the keys stored in `chainstate`'s wallet column. REQUIRES: chainstate outlives it.
  [[nodiscard]] static chain::Result<std::unique_ptr<Wallet>> Open(chain::Chainstate& chainstate);

  // A fresh key, stored before its address is returned.
  [[nodiscard]] chain::Result<std::string> GetNewAddress() EXCLUDES(mutex_);
  [[nodiscard]] chain::Result<Balance> GetBalance() const EXCLUDES(mutex_);
  // Unspent outputs paying the wallet, not spent by a mempool transaction.
  [[nodiscard]] chain::Result<std::vector<WalletCoin>> ListUnspent() const EXCLUDES(mutex_);
  // A signed payment of `amount` to `address` with change back to a new address; fee =
  // `feerate` (units per vbyte) × size. Errors: kNotFound (bad address), kInsufficientFunds.
  [[nodiscard]] chain::Result<primitives::Transaction> CreatePayment(std::string_view address,
                                                                     consensus::Amount amount,
                                                                     int64_t feerate) EXCLUDES(mutex_);
  // CreatePayment, then submit to the chainstate's mempool; returns the txid.
  [[nodiscard]] chain::Result<crypto::Uint256> SendToAddress(std::string_view address,
                                                             consensus::Amount amount,
                                                             int64_t feerate) EXCLUDES(mutex_);
  size_t KeyCount() const EXCLUDES(mutex_);

  // --- Contracts (wallet/contract.h) ---
  // Tracks the contract with `terms` (stored; idempotent) and returns it with its outputs.
  // Errors: kNotFound with a detail for invalid terms.
  [[nodiscard]] chain::Result<ContractInfo> AddContract(const ContractTerms& terms) EXCLUDES(mutex_);
  // Errors: kNotFound (not a tracked contract's address).
  [[nodiscard]] chain::Result<ContractInfo> GetContract(std::string_view address) const EXCLUDES(mutex_);
  [[nodiscard]] chain::Result<std::vector<ContractInfo>> ListContracts() const EXCLUDES(mutex_);
  // A signed transaction spending every unspent output of the contract by `request.leaf`,
  // signed with the wallet's keys (an HTLC refund sets nLockTime to the timeout; a multisig
  // needs `required` of its keys in this wallet). Errors: kNotFound (contract, leaf, keys,
  // address), kInsufficientFunds (no unspent output, or not enough for the fee).
  [[nodiscard]] chain::Result<primitives::Transaction> CreateContractSpend(const ContractSpendRequest& request)
      EXCLUDES(mutex_);
  // Adds this wallet's signatures to a (partial) multisig spend of the contract at `address`
  // made by CreateContractSpend on another wallet. Errors: kNotFound (not a tracked multisig
  // contract, an input's coin unknown, or the witness not of that contract's leaf).
  [[nodiscard]] chain::Result<ContractSpend> SignContractSpend(primitives::Transaction tx, std::string_view address)
      EXCLUDES(mutex_);
  // CreateContractSpend, then submit to the mempool; returns the txid.
  [[nodiscard]] chain::Result<crypto::Uint256> SpendContract(const ContractSpendRequest& request) EXCLUDES(mutex_);
  // The x-only key an address of this network pays to (kNotFound if it is not one).
  [[nodiscard]] chain::Result<crypto::XOnlyPublicKey> AddressKey(std::string_view address) const;

 private:
  explicit Wallet(chain::Chainstate& chainstate) : chainstate_(chainstate) {}
  std::vector<util::Bytes> Scripts() const REQUIRES(mutex_);
  [[nodiscard]] chain::Result<crypto::KeyPair> NewKey() REQUIRES(mutex_);

  chain::Chainstate& chainstate_;
  mutable util::Mutex mutex_;
  // The wallet's key pair for `key`, or nullptr.
  const crypto::KeyPair* FindKey(const crypto::XOnlyPublicKey& key) const REQUIRES(mutex_);
  [[nodiscard]] chain::Result<ContractInfo> Describe(const util::Bytes& script, const ContractTerms& terms) const;
  // The witness elements below the leaf script for `leaf` of `terms`, with signatures over
  // `sighash` by the wallet's keys. Errors: kNotFound.
  // `stack` holds signatures already made (multisig); `partial` allows fewer than required.
  [[nodiscard]] chain::Result<std::vector<util::Bytes>> LeafWitness(const ContractTerms& terms, std::string_view leaf,
                                                                    const util::Bytes& preimage,
                                                                    const crypto::Uint256& sighash,
                                                                    std::vector<util::Bytes> stack, bool partial) const
      REQUIRES(mutex_);

  std::map<util::Bytes, crypto::KeyPair> keys_ GUARDED_BY(mutex_);  // by output script
  std::map<util::Bytes, ContractTerms> contracts_ GUARDED_BY(mutex_);  // by output script
};

}  // namespace parthenon::wallet
