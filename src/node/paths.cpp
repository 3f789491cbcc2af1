#include "node/paths.h"

#include <cstdlib>

namespace parthenon::node {

std::filesystem::path DefaultDataDir() {
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr && *home != '\0' ? home : ".") / ".parthenon";
}

std::filesystem::path NetworkDataDir(const std::filesystem::path& datadir,
                                     const consensus::ChainParams& params) {
  switch (params.network) {
    case consensus::Network::kMain:
      return datadir;
    case consensus::Network::kTestnet:
    case consensus::Network::kRegtest:
      return datadir / params.name;
  }
  return datadir;
}

}  // namespace parthenon::node
