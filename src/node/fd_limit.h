// How many peer connections the process's file-descriptor limit (RLIMIT_NOFILE) allows.
// Every connection holds a socket; the rest of the node (RocksDB tables and logs, block and undo
// files, the RPC server's sockets, the log file) needs descriptors too. A node whose limit is below
// --maxconnections plus that reserve would run out in accept() and then fail RPC and storage
// opens as well, so at start-up it raises its soft limit toward the hard one and, if that is not
// enough, lowers its connection limits (with a warning) instead.
//
// Thread-safety: FitConnectionsToFdLimit calls getrlimit/setrlimit; call it once at start-up.
#pragma once

#include <cstdint>

namespace parthenon::node {

// Descriptors kept for everything but peer sockets.
inline constexpr uint64_t kReservedFds = 64;

struct ConnectionLimits {
  int max_connections = 0;
  int max_outbound = 0;
  bool operator==(const ConnectionLimits&) const = default;
};

// The limits that fit `fd_limit` descriptors: max_connections at most fd_limit - kReservedFds
// (0 when the limit is below the reserve), max_outbound at most the new max_connections.
ConnectionLimits FitConnections(ConnectionLimits wanted, uint64_t fd_limit);

// Raises the soft RLIMIT_NOFILE to what `wanted` needs (capped by the hard limit), then returns
// FitConnections for the resulting limit; logs a warning when the limits had to be lowered.
ConnectionLimits FitConnectionsToFdLimit(ConnectionLimits wanted);

}  // namespace parthenon::node
