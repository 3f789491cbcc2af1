// RPC methods of the node's wallet: getnewaddress, getbalance, listunspent, sendtoaddress, and
// the contract methods of contract_methods.h.
#pragma once

#include <functional>

#include "rpc/dispatcher.h"
#include "wallet/wallet.h"

namespace parthenon::rpc {

struct WalletMethodsOptions {
  int64_t fee_rate = 2;  // units per vbyte paid by sendtoaddress unless given
  // Called with each transaction sendtoaddress created and the mempool accepted.
  std::function<void(const crypto::Uint256& txid)> on_transaction_sent;
};

// `wallet` must outlive the dispatcher.
void RegisterWalletMethods(Dispatcher& dispatcher, wallet::Wallet& wallet, const consensus::ChainParams& params,
                           WalletMethodsOptions options = {});

}  // namespace parthenon::rpc
