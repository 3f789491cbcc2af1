// Network-manager options for benchmarks: one I/O thread, loopback address `ip`, and every
// rate limit and queue cap lifted, so the numbers measure the transport, not the limits.
#pragma once

#include <string>

#include "p2p/network_manager.h"

namespace parthenon::bench {

inline p2p::NetworkManager::Options UnthrottledOptions(const std::string& ip) {
  p2p::NetworkManager::Options options;
  options.magic = p2p::wire::kRegtestMagic;
  options.port = 0;
  options.bind_addresses = {ip};
  options.outbound_bind_address = ip;
  options.io_threads = 1;
  options.max_messages_per_second = 1e9;
  options.message_burst = 1e9;
  options.max_bytes_per_second = 1e12;
  options.byte_burst = 1e12;
  options.max_send_queue_messages = 1'000'000;
  options.max_send_queue_bytes = 512u << 20;
  options.max_inbound = 100'000;
  options.max_connections = 100'000;
  options.max_inbound_per_ip = 100'000;
  return options;
}

}  // namespace parthenon::bench
