// Where a node keeps its files. Like Bitcoin Core: the main network uses the data directory
// itself, the test networks a subdirectory named after them. Thread-safe (pure functions).
#pragma once

#include <filesystem>

#include "consensus/params.h"

namespace parthenon::node {

// $HOME/.parthenon (or ./.parthenon when HOME is unset).
std::filesystem::path DefaultDataDir();

// `datadir` for main, `datadir`/testnet or `datadir`/regtest otherwise.
std::filesystem::path NetworkDataDir(const std::filesystem::path& datadir,
                                     const consensus::ChainParams& params);

}  // namespace parthenon::node
