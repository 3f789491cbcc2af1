#include "node/config.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <sstream>

#include "node/config_checks.h"
#include "node/paths.h"
#include "wallet/address.h"

namespace parthenon::node {
namespace {

// [section] key → flag name (without dashes).
struct FileKey {
  std::string_view section;
  std::string_view key;
  std::string_view flag;
};

constexpr std::array kFileKeys = {
    FileKey{"network", "port", "port"},           FileKey{"network", "bind", "bind"},
    FileKey{"network", "listen", "listen"},       FileKey{"network", "addnode", "addnode"},
    FileKey{"network", "connect", "connect"},     FileKey{"network", "whitelist", "whitelist"},
    FileKey{"network", "maxconnections", "maxconnections"},
    FileKey{"network", "maxoutbound", "maxoutbound"},
    FileKey{"network", "dnsseed", "dnsseed"},     FileKey{"network", "geoip_db", "geoip-db"},
    FileKey{"network", "asmap", "asmap"},
    FileKey{"network", "discover_local", "discover-local"},
    FileKey{"rpc", "port", "rpcport"},            FileKey{"rpc", "bind", "rpcbind"},
    FileKey{"rpc", "user", "rpcuser"},            FileKey{"rpc", "password", "rpcpassword"},
    FileKey{"tls", "mode", "tls"},                FileKey{"tls", "cert_file", "tls-cert"},
    FileKey{"tls", "key_file", "tls-key"},        FileKey{"tls", "ca_file", "tls-ca"},
    FileKey{"tls", "pin", "tls-pin"},
    FileKey{"peers", "ban_duration", "ban-duration"},
    FileKey{"peers", "score_threshold", "score-threshold"},
    FileKey{"network", "minimumchainwork", "minimumchainwork"},
    FileKey{"performance", "utxo_cache_size_mb", "utxo-cache-mb"},
    FileKey{"performance", "worker_threads", "worker-threads"},
    FileKey{"mining", "mine", "mine"},            FileKey{"mining", "address", "miningaddress"},
    FileKey{"log", "level", "loglevel"},          FileKey{"log", "file", "logfile"},
};

std::string Trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

// What each flag accepts, by flag name (without dashes); filled while the flags are declared and
// consulted for config-file values too, so both are judged alike.
using CheckTable = std::map<std::string, ValueCheck, std::less<>>;

// "'<value>' is not valid: expected <what>" for a failed check.
std::string Invalid(const std::string& value, const std::string& expected) {
  return "'" + value + "' is not valid: expected " + expected;
}

// Where config-file values came from (flag → "config file line N: [section] key"), so errors
// found after parsing can name the line.
using OriginTable = std::map<std::string, std::string, std::less<>>;

// Reads the INI file into CLI11 config items, translating [section] key to flag names and
// checking every value as its flag would (naming the line, section and key).
class SectionedConfig : public CLI::ConfigBase {
 public:
  SectionedConfig(std::vector<std::string> flag_names, std::shared_ptr<const CheckTable> checks,
                  std::shared_ptr<OriginTable> origins)
      : flag_names_(std::move(flag_names)), checks_(std::move(checks)), origins_(std::move(origins)) {}

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    std::map<std::string, std::vector<std::string>> values;  // flag → values, file order
    std::string line;
    std::string section;
    for (int number = 1; std::getline(input, line); ++number) {
      line = Trim(line);
      if (line.empty() || line[0] == '#' || line[0] == ';') continue;
      if (line.front() == '[') {
        if (line.back() != ']') throw CLI::ConfigError(Where(number) + "malformed section header '" + line + "'");
        section = Trim(line.substr(1, line.size() - 2));
        continue;
      }
      const size_t equals = line.find('=');
      if (equals == std::string::npos) throw CLI::ConfigError(Where(number) + "expected key=value, got '" + line + "'");
      const std::string key = Trim(line.substr(0, equals));
      const std::string value = Trim(line.substr(equals + 1));
      const std::string flag = FlagFor(section, key, number);
      const std::string where = Where(number) + (section.empty() ? "" : "[" + section + "] ") + key;
      if (auto check = checks_->find(flag); check != checks_->end()) {
        if (const std::string expected = check->second(value); !expected.empty()) {
          throw CLI::ConfigError(where + ": " + Invalid(value, expected) + " (as --" + flag + ")");
        }
      }
      (*origins_)[flag] = where;
      values[flag].push_back(value);
    }
    std::vector<CLI::ConfigItem> result;
    for (auto& [flag, inputs] : values) {
      CLI::ConfigItem item;
      item.name = flag;
      item.inputs = std::move(inputs);
      result.push_back(std::move(item));
    }
    return result;
  }

 private:
  static std::string Where(int line) { return "config file line " + std::to_string(line) + ": "; }

  std::string FlagFor(const std::string& section, const std::string& key, int line) const {
    for (const FileKey& known : kFileKeys) {
      if (known.section == section && known.key == key) return std::string(known.flag);
    }
    if (section.empty() && std::find(flag_names_.begin(), flag_names_.end(), key) != flag_names_.end()) {
      return key;
    }
    const std::string where = section.empty() ? "outside any section" : "in section [" + section + "]";
    throw CLI::ConfigError(Where(line) + "unknown key '" + key + "' " + where);
  }

  std::vector<std::string> flag_names_;
  std::shared_ptr<const CheckTable> checks_;
  std::shared_ptr<OriginTable> origins_;
};

struct RawFlags {
  std::string datadir;
  std::string chain = "main";
  std::string conf;
  std::string tls = "optional";
  std::string tls_cert, tls_key, tls_ca, geoip_db, asmap, log_file;
  std::vector<std::string> dns_seeds;
};

// Declares flags and records what each accepts in one place.
class FlagAdder {
 public:
  FlagAdder(CLI::App& app, CheckTable& checks) : app_(app), checks_(checks) {}

  template <class T>
  CLI::Option* operator()(const std::string& flag, T& target, const std::string& help, ValueCheck check,
                          const std::string& accepts) {
    checks_[flag] = check;
    return app_.add_option("--" + flag, target, help)
        ->check(CLI::Validator(
            [check](std::string& value) {
              const std::string expected = check(value);
              return expected.empty() ? std::string() : Invalid(value, expected);
            },
            accepts));
  }

 private:
  CLI::App& app_;
  CheckTable& checks_;
};

constexpr int64_t kMaxBanSeconds = int64_t{10} * 365 * 86400;

void AddNetworkFlags(FlagAdder& add, NodeConfig& c, RawFlags& raw) {
  add("port", c.port, "P2P listening port (default: 8333, 18333, 18444 by network; 0: any free port)",
      IntegerIn(0, 65535), "0..65535");
  add("bind", c.bind, "IP address to listen on (repeatable; default all)", IpAddress(), "IP");
  add("listen", c.listen, "accept inbound connections (1/0)", Boolean(), "1|0")->capture_default_str();
  add("addnode", c.addnode, "host[:port] to keep connected to (repeatable)", HostAndPort(), "HOST[:PORT]");
  add("connect", c.connect, "connect only to these host[:port] (repeatable)", HostAndPort(), "HOST[:PORT]");
  add("whitelist", c.whitelist, "IP or subnet exempt from bans and eviction (repeatable)", IpOrSubnet(),
      "IP|SUBNET");
  add("maxconnections", c.max_connections, "maximum peers in total", IntegerIn(0, 10000), "0..10000")
      ->capture_default_str();
  add("maxoutbound", c.max_outbound, "outbound peers to keep", IntegerIn(0, 1000), "0..1000")
      ->capture_default_str();
  add("dnsseed", raw.dns_seeds,
      "DNS seeding: 0 off, 1 the network's seeds (default), or a seed host name (repeatable)", DnsSeedValue(),
      "0|1|NAME");
  add("geoip-db", raw.geoip_db, "MaxMind .mmdb database for peer geolocation", ReadableFile(), "FILE");
  add("discover-local", c.discover_local,
      "find and announce nodes of this chain on the local link with mDNS (1/0)", Boolean(), "1|0")
      ->capture_default_str();
  add("asmap", raw.asmap, "Bitcoin Core asmap file: group peers by autonomous system", ReadableFile(), "FILE");
  add("minimumchainwork", c.minimum_chain_work,
      "header chains with less total work are not stored (hex; default: the network's, 0 today)",
      [](const std::string& v) -> std::string {
        const bool hex = !v.empty() && v.size() <= 64 &&
                         v.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
        return hex ? "" : "at most 64 hex digits";
      },
      "HEX");
}

void AddOtherFlags(FlagAdder& add, NodeConfig& c, RawFlags& raw) {
  add("rpcport", c.rpc_port, "RPC port (default: 8332, 18332, 18443 by network; 0: any free port)",
      IntegerIn(0, 65535), "0..65535");
  add("rpcbind", c.rpc_bind, "RPC IP address (keep it local)", IpAddress(), "IP")->capture_default_str();
  add("rpcuser", c.rpc_user, "RPC user (default: cookie file)", [](const std::string& v) -> std::string {
    return v.find(':') == std::string::npos ? "" : "a user name without ':'";
  }, "USER");
  add("rpcpassword", c.rpc_password, "RPC password", [](const std::string&) { return std::string(); }, "PASSWORD");
  add("tls", raw.tls, "TLS for peer links", OneOf({"off", "optional", "required"}), "off|optional|required")
      ->capture_default_str();
  add("tls-cert", raw.tls_cert, "certificate (PEM; default: generated in the datadir)", ReadableFile(), "FILE");
  add("tls-key", raw.tls_key, "private key (PEM)", ReadableFile(), "FILE");
  add("tls-ca", raw.tls_ca, "CA bundle to verify peers with", ReadableFile(), "FILE");
  add("tls-pin", c.tls_pins, "SHA-256 of a peer public key to accept (repeatable)", TlsPin(), "SHA256");
  add("ban-duration", c.ban_duration_seconds, "seconds a misbehaving peer stays banned",
      IntegerIn(1, kMaxBanSeconds), "1..315360000")->capture_default_str();
  add("score-threshold", c.score_threshold, "peers scored below this are not good peers", NumberIn(0.0, 100.0),
      "0..100")->capture_default_str();
  add("utxo-cache-mb", c.utxo_cache_mb, "UTXO cache size in MiB", IntegerIn(4, 1 << 20), "4..1048576")
      ->capture_default_str();
  add("worker-threads", c.worker_threads, "threads for validation and signatures", IntegerIn(1, 256), "1..256")
      ->capture_default_str();
  add("mine", c.mine, "mine blocks (1/0)", Boolean(), "1|0")->capture_default_str();
  add("miningaddress", c.mining_address, "address paid by mined blocks (bech32m of the network)",
      [](const std::string& v) -> std::string { return v.empty() ? "an address" : ""; }, "ADDRESS");
  add("loglevel", c.log_level, "trace, debug, info, warn, error, critical, off",
      OneOf({"trace", "debug", "info", "warn", "error", "critical", "off"}), "LEVEL")->capture_default_str();
  add("logfile", raw.log_file, "also log to this file (rotated)", [](const std::string& v) -> std::string {
    std::error_code ec;
    return std::filesystem::is_directory(v, ec) ? "a file name, not a directory" : "";
  }, "FILE");
}

std::optional<std::filesystem::path> PathOrNothing(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return std::filesystem::path(text);
}

TlsMode ParseTlsMode(const std::string& text) {
  if (text == "off") return TlsMode::kOff;
  if (text == "required") return TlsMode::kRequired;
  return TlsMode::kOptional;
}

// The first pass finds --datadir and --conf (the file's default location depends on them).
RawFlags PreParse(int argc, const char* const* argv) {
  RawFlags raw;
  CLI::App pre;
  pre.allow_extras();
  pre.set_help_flag();
  pre.add_option("--datadir", raw.datadir);
  pre.add_option("--conf", raw.conf);
  try {
    pre.parse(argc, argv);
  } catch (const CLI::ParseError&) {
    // The full parse reports it.
  }
  return raw;
}

// How to name `flag` in an error found after parsing: the flag if the command line has it, else
// the config-file line it came from.
std::string NameOf(const std::string& flag, int argc, const char* const* argv, const OriginTable& origins) {
  const std::string dashed = "--" + flag;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == dashed || arg.starts_with(dashed + "=")) return dashed;
  }
  if (auto it = origins.find(flag); it != origins.end()) return it->second;
  return dashed;
}

// The DNS seeds each network queries for --dnsseed=1 (the default). Parthenon publishes none
// yet, so the lists are empty: seeds come from --dnsseed=NAME until public seeds exist.
std::vector<std::string> DefaultDnsSeeds(consensus::Network network) {
  switch (network) {
    case consensus::Network::kMain:
    case consensus::Network::kTestnet:
    case consensus::Network::kRegtest:
      return {};
  }
  return {};
}

ConfigOutcome Failure(std::string message) {
  return {.config = std::nullopt, .exit_code = 1, .message = "error: " + std::move(message)};
}

// Checks that involve more than one setting, or the network (REQUIRES: `config` fully parsed).
std::optional<std::string> CheckCombinations(const NodeConfig& config, const RawFlags& raw,
                                             const std::function<std::string(const std::string&)>& name) {
  if (config.rpc_user.empty() != config.rpc_password.empty()) return "--rpcuser and --rpcpassword go together";
  if (config.max_outbound > config.max_connections) {
    return name("maxoutbound") + " (" + std::to_string(config.max_outbound) + ") exceeds " +
           name("maxconnections") + " (" + std::to_string(config.max_connections) + ")";
  }
  if (raw.tls_cert.empty() != raw.tls_key.empty()) return "--tls-cert and --tls-key go together";
  const bool seeding_off = std::find(raw.dns_seeds.begin(), raw.dns_seeds.end(), "0") != raw.dns_seeds.end();
  if (seeding_off && raw.dns_seeds.size() > 1) {
    return name("dnsseed") + ": 0 turns DNS seeding off and cannot be combined with other seeds";
  }
  if (config.mine && config.mining_address.empty()) return name("mine") + "=1 needs --miningaddress";
  if (!config.mining_address.empty()) {
    const auto& params = consensus::Params(config.network);
    if (auto key = wallet::DecodeKeyAddress(params, config.mining_address); !key) {
      return name("miningaddress") + ": " +
             Invalid(config.mining_address, "a bech32m address of " + std::string(params.name) + " (prefix " +
                                                std::string(params.bech32_hrp) + "1): " +
                                                std::string(wallet::ToString(key.error())));
    }
  }
  return std::nullopt;
}

// --dnsseed values → the seed host names to query (none when seeding is off).
std::vector<std::string> ResolveDnsSeeds(const std::vector<std::string>& values, consensus::Network network) {
  if (values.empty()) return DefaultDnsSeeds(network);
  std::vector<std::string> seeds;
  for (const std::string& value : values) {
    if (value == "0") return {};
    if (value == "1") {
      for (auto& seed : DefaultDnsSeeds(network)) seeds.push_back(std::move(seed));
    } else {
      seeds.push_back(value);
    }
  }
  std::sort(seeds.begin(), seeds.end());
  seeds.erase(std::unique(seeds.begin(), seeds.end()), seeds.end());
  return seeds;
}

}  // namespace

ConfigOutcome ParseNodeArguments(int argc, const char* const* argv) {
  const RawFlags pre = PreParse(argc, argv);
  const std::filesystem::path base = pre.datadir.empty() ? DefaultDataDir() : std::filesystem::path(pre.datadir);
  const std::filesystem::path default_conf = base / "parthenon.conf";
  const bool explicit_conf = !pre.conf.empty();

  NodeConfig config;
  RawFlags raw;
  auto checks = std::make_shared<CheckTable>();
  auto origins = std::make_shared<OriginTable>();
  CLI::App app{"parthenon-node: a full node of the Parthenon network."};
  app.add_option("--datadir", raw.datadir, "data directory (default ~/.parthenon)");
  FlagAdder add(app, *checks);
  add("chain", raw.chain, "network", OneOf({"main", "mainnet", "testnet", "regtest"}), "main|testnet|regtest")
      ->capture_default_str();
  AddNetworkFlags(add, config, raw);
  AddOtherFlags(add, config, raw);
  std::vector<std::string> flag_names;
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames()) flag_names.push_back(name);
  }
  app.config_formatter(std::make_shared<SectionedConfig>(flag_names, checks, origins));
  const std::string conf_path = explicit_conf ? pre.conf
                                : std::filesystem::exists(default_conf) ? default_conf.string() : "";
  app.set_config("--conf", conf_path, "configuration file (default <datadir>/parthenon.conf)", explicit_conf);
  app.allow_config_extras(false);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return {.config = std::nullopt, .exit_code = 0, .message = app.help()};
  } catch (const CLI::ConfigError& e) {
    return Failure(std::string(e.what()) + " (config file: " + conf_path + ")");
  } catch (const CLI::ParseError& e) {
    return Failure(e.what());  // exit code 1 for every bad configuration, not CLI11's own codes
  }
  const auto network = consensus::ParseNetwork(raw.chain);
  const auto& params = consensus::Params(network.value_or(consensus::Network::kMain));
  config.network = params.network;
  config.datadir = NetworkDataDir(raw.datadir.empty() ? DefaultDataDir() : std::filesystem::path(raw.datadir), params);
  config.conf_file = PathOrNothing(conf_path);
  if (app.get_option("--port")->count() == 0 && config.port == 0) config.port = params.default_port;
  if (app.get_option("--rpcport")->count() == 0 && config.rpc_port == 0) config.rpc_port = params.rpc_port;
  config.tls = ParseTlsMode(raw.tls);
  config.tls_cert = PathOrNothing(raw.tls_cert);
  config.tls_key = PathOrNothing(raw.tls_key);
  config.tls_ca = PathOrNothing(raw.tls_ca);
  config.geoip_db = PathOrNothing(raw.geoip_db);
  config.asmap = PathOrNothing(raw.asmap);
  config.log_file = PathOrNothing(raw.log_file);
  // Bitcoin Core: --connect means exactly those peers, so no DNS seeding unless asked for.
  config.dns_seeds = config.connect.empty() || !raw.dns_seeds.empty() ? ResolveDnsSeeds(raw.dns_seeds, config.network)
                                                                      : std::vector<std::string>{};
  const auto name = [&](const std::string& flag) { return NameOf(flag, argc, argv, *origins); };
  if (auto wrong = CheckCombinations(config, raw, name)) {
    return Failure(*wrong + (origins->empty() ? "" : " (config file: " + conf_path + ")"));
  }
  return {.config = std::move(config), .exit_code = 0, .message = {}};
}

}  // namespace parthenon::node
