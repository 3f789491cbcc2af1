// RPC methods of the wallet's contracts (wallet/contract.h): createcontract, getcontract,
// listcontracts, spendcontract. Registered by RegisterWalletMethods.
#pragma once

#include "rpc/dispatcher.h"
#include "rpc/wallet_methods.h"
#include "wallet/wallet.h"

namespace parthenon::rpc {

// `wallet` must outlive the dispatcher.
void RegisterContractMethods(Dispatcher& dispatcher, wallet::Wallet& wallet, const consensus::ChainParams& params,
                             const WalletMethodsOptions& options);

}  // namespace parthenon::rpc
