// LocalDiscovery (--discover-local): finds nodes of the same chain on the local link with mDNS
// (RFC 6762) service discovery (RFC 6763), service type `_parthenon._tcp`, and announces this
// node the same way. A small responder of our own on 224.0.0.251:5353 (IPv4), not Avahi:
// servers rarely run avahi-daemon (nor the D-Bus it needs), and a responder that only answers
// for its own service is ~300 lines (docs/peer-database.md, "Local discovery").
//
// Announces: PTR _parthenon._tcp.local → <instance>._parthenon._tcp.local, SRV (P2P port,
// host <instance>.local), TXT "chain=<name>" "v=1", A (the interface's address) — at start,
// then every announce_interval, and in answer to a PTR query for the service (at most once a
// second). Accepts: a peer's response whose TXT names our chain and whose A record is the
// packet's own source address, which must lie in the subnet of one of our interfaces (the
// local link). Each accepted address is reported once to on_found.
//
// Thread-safety: thread-safe; one worker thread owns the socket (joined by the destructor).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "p2p/wire/net_address.h"

namespace parthenon::p2p {

class LocalDiscovery {
 public:
  static constexpr std::string_view kService = "_parthenon._tcp.local";
  struct Options {
    std::string chain;   // "main", "testnet", "regtest"
    uint16_t port = 0;   // our P2P port, announced in SRV
    std::string instance;  // unique label; empty: random hex
    std::chrono::milliseconds announce_interval{30'000};
    uint16_t mdns_port = 5353;
    // A peer of our chain on the link; called on the worker thread. Must not block for long.
    std::function<void(const wire::NetAddress&)> on_found;
  };

  // Opens the socket and starts the worker; an error text if the socket cannot be set up.
  [[nodiscard]] static std::expected<std::unique_ptr<LocalDiscovery>, std::string> Start(Options options);
  ~LocalDiscovery();
  LocalDiscovery(const LocalDiscovery&) = delete;
  LocalDiscovery& operator=(const LocalDiscovery&) = delete;

  size_t found() const { return found_.load(); }

 private:
  class Worker;
  LocalDiscovery() = default;
  std::unique_ptr<Worker> worker_;
  std::atomic<size_t> found_{0};
  std::jthread thread_;
};

}  // namespace parthenon::p2p
