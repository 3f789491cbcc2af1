// RPC methods about the block chain and the mempool: getblockchaininfo, getblockcount,
// getbestblockhash, getblockhash, getblock, getblockheader, getrawtransaction,
// sendrawtransaction, getmempoolinfo, getrawmempool, and (regtest) generatetoaddress.
#pragma once

#include <functional>

#include "chain/chainstate.h"
#include "rpc/dispatcher.h"

namespace parthenon::rpc {

struct ChainMethodsOptions {
  // Called with each transaction sendrawtransaction accepted (e.g. to announce it).
  std::function<void(const primitives::Transaction&)> on_transaction_sent;
  // Called with each block generatetoaddress produced (e.g. to announce it).
  std::function<void(const primitives::Block&)> on_block_generated;
};

// `chainstate` must outlive the dispatcher.
void RegisterChainMethods(Dispatcher& dispatcher, chain::Chainstate& chainstate,
                          ChainMethodsOptions options = {});

}  // namespace parthenon::rpc
