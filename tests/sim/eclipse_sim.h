// Eclipse simulation (docs/peer-database.md, "Eclipse resistance"): one node's peer database
// and discovery, driven in-process with a simulated clock and no sockets. An attacker holding
// `attacker_addresses` addresses spread over `attacker_groups` /16s connects inbound from each
// of its groups and floods addr messages for `flood`; meanwhile the node's outbound links churn
// and are refilled by the real selection code (Discovery::NextOutbound, NextFeeler). Then the
// node restarts: the database is reopened from RocksDB, the block-relay-only peers come back
// as anchors, and the slots are filled again. Every connection attempt succeeds (the attacker's
// addresses are all reachable), which is the attacker's best case.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace parthenon::sim {

struct EclipseSimOptions {
  size_t honest_addresses = 2000;    // the honest network, one address per /16 up to honest_groups
  size_t honest_groups = 1000;
  size_t honest_tried = 100;         // honest addresses the node had connected to before
  size_t attacker_addresses = 1000;
  size_t attacker_groups = 1;        // the attacker's addresses spread over this many /16s
  std::chrono::seconds flood{3600};  // simulated
  std::chrono::seconds addr_interval{10};    // each attacker link sends an addr this often
  std::chrono::seconds churn_interval{300};  // a full-relay outbound link drops this often
  std::chrono::seconds feeler_interval{120};
  size_t full_relay = 8;
  size_t block_relay = 2;
  uint64_t seed = 1;
  std::filesystem::path directory;  // scratch space for the RocksDB database (must exist)
};

struct EclipseSimResult {
  size_t slots = 0;                   // full_relay + block_relay
  size_t attacker_before_restart = 0;
  size_t attacker_after_restart = 0;
  size_t attacker_anchors = 0;        // of the anchors, how many were the attacker's
  size_t new_table = 0;               // table sizes at the end of the flood
  size_t tried_table = 0;
  size_t attacker_in_new = 0;
  size_t attacker_in_tried = 0;
};

EclipseSimResult RunEclipseSim(const EclipseSimOptions& options);

}  // namespace parthenon::sim
