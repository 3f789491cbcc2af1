#include "node/fd_limit.h"

#include <sys/resource.h>

#include <algorithm>

#include "util/logging.h"

namespace parthenon::node {

ConnectionLimits FitConnections(ConnectionLimits wanted, uint64_t fd_limit) {
  const uint64_t room = fd_limit > kReservedFds ? fd_limit - kReservedFds : 0;
  const int connections = static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(wanted.max_connections), room));
  return {.max_connections = connections, .max_outbound = std::min(wanted.max_outbound, connections)};
}

ConnectionLimits FitConnectionsToFdLimit(ConnectionLimits wanted) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return wanted;
  const rlim_t needed = static_cast<rlim_t>(wanted.max_connections) + kReservedFds;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? needed : std::min(needed, limit.rlim_max);
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return wanted;
  const ConnectionLimits fitted = FitConnections(wanted, limit.rlim_cur);
  if (fitted != wanted) {
    util::Log(util::LogCategory::kNode)
        .warn("file descriptor limit {} (RLIMIT_NOFILE) leaves room for {} connections: maxconnections {} -> {}, "
              "maxoutbound {} -> {}",
              limit.rlim_cur, fitted.max_connections, wanted.max_connections, fitted.max_connections,
              wanted.max_outbound, fitted.max_outbound);
  }
  return fitted;
}

}  // namespace parthenon::node
