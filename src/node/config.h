// The node's configuration: command-line flags (DESIGN.md §7) and an INI file with the same
// settings in sections. Flags override the file. Unknown keys and bad values are errors that
// name the key (and, for the file, the line).
//
//   [network]      port bind listen addnode connect whitelist maxconnections maxoutbound dnsseed geoip_db asmap
//                  discover_local
//   [rpc]          port bind user password
//   [tls]          mode cert_file key_file ca_file pin
//   [peers]        ban_duration score_threshold
//   [performance]  utxo_cache_size_mb worker_threads
//   [mining]       mine address
//   [log]          level file
//
// Outside any section, a key may also be any flag's name (e.g. `rpcport=18443`).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "consensus/params.h"

namespace parthenon::node {

enum class TlsMode {
  kOff,
  kOptional,
  kRequired,
};

struct NodeConfig {
  std::filesystem::path datadir;  // the network's directory (NetworkDataDir applied)
  consensus::Network network = consensus::Network::kMain;
  std::optional<std::filesystem::path> conf_file;  // the file read, if any

  // [network]
  uint16_t port = 0;  // 0 in the struct means "the network's default" until resolved below
  std::vector<std::string> bind;
  bool listen = true;
  // mDNS local discovery (_parthenon._tcp on 224.0.0.251:5353): off by default.
  bool discover_local = false;
  std::vector<std::string> addnode;
  std::vector<std::string> connect;
  std::vector<std::string> whitelist;
  int max_connections = 125;
  int max_outbound = 8;
  // Seed host names to query: --dnsseed names, the network's seeds for 1 (the default, also
  // when no --dnsseed is given and --connect is not), none for --dnsseed=0.
  std::vector<std::string> dns_seeds;
  std::optional<std::filesystem::path> geoip_db;
  // Bitcoin Core asmap file: the address manager groups by AS (else by --geoip-db ASN, else /16).
  std::optional<std::filesystem::path> asmap;

  // [rpc]
  uint16_t rpc_port = 0;
  std::string rpc_bind = "127.0.0.1";
  std::string rpc_user;
  std::string rpc_password;

  // [tls]
  TlsMode tls = TlsMode::kOptional;
  std::optional<std::filesystem::path> tls_cert;
  std::optional<std::filesystem::path> tls_key;
  std::optional<std::filesystem::path> tls_ca;
  std::vector<std::string> tls_pins;

  // [peers]
  int64_t ban_duration_seconds = 86'400;
  double score_threshold = 25.0;
  std::string minimum_chain_work;  // --minimumchainwork hex; empty: the network's default

  // [performance]
  int utxo_cache_mb = 256;
  int worker_threads = 4;

  // [mining]
  bool mine = false;
  std::string mining_address;

  // [log]
  std::string log_level = "info";
  std::optional<std::filesystem::path> log_file;
};

struct ConfigOutcome {
  std::optional<NodeConfig> config;  // set when the node should start
  int exit_code = 0;                 // otherwise: exit with this code
  std::string message;               // help text (exit 0) or the error (exit != 0)
};

// Parses argv (argv[0] is the program name) and the config file: --conf, else
// <datadir>/parthenon.conf when it exists.
ConfigOutcome ParseNodeArguments(int argc, const char* const* argv);

}  // namespace parthenon::node
