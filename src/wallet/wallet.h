// Wallet: the node's minimal key wallet. Keys (BIP340 key pairs) live in the `wallet` column of
// the node's database, whose directory and files are owner-only (mode 0700 / 0600). Coins are
// found by scanning the UTXO set for the wallet's scripts, so the wallet needs no chain
// notifications and is always consistent with the chainstate's tip.
//
// Thread-safety: thread-safe (an internal mutex guards the key map).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "chain/chainstate.h"
#include "crypto/schnorr.h"
#include "util/mutex.h"

namespace parthenon::wallet {

struct Balance {
  consensus::Amount confirmed = 0;  // spendable in the next block and not spent in the mempool
  consensus::Amount immature = 0;   // coinbase outputs younger than the maturity
};

struct WalletCoin {
  chain::UtxoEntry utxo;
  bool mature = true;
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

 private:
  explicit Wallet(chain::Chainstate& chainstate) : chainstate_(chainstate) {}
  std::vector<util::Bytes> Scripts() const REQUIRES(mutex_);
  [[nodiscard]] chain::Result<crypto::KeyPair> NewKey() REQUIRES(mutex_);

  chain::Chainstate& chainstate_;
  mutable util::Mutex mutex_;
  std::map<util::Bytes, crypto::KeyPair> keys_ GUARDED_BY(mutex_);  // by output script
};

}  // namespace parthenon::wallet
