#include "node/config.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <sstream>

#include "node/paths.h"

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
    FileKey{"rpc", "port", "rpcport"},            FileKey{"rpc", "bind", "rpcbind"},
    FileKey{"rpc", "user", "rpcuser"},            FileKey{"rpc", "password", "rpcpassword"},
    FileKey{"tls", "mode", "tls"},                FileKey{"tls", "cert_file", "tls-cert"},
    FileKey{"tls", "key_file", "tls-key"},        FileKey{"tls", "ca_file", "tls-ca"},
    FileKey{"tls", "pin", "tls-pin"},
    FileKey{"peers", "ban_duration", "ban-duration"},
    FileKey{"peers", "score_threshold", "score-threshold"},
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

// Reads the INI file into CLI11 config items, translating [section] key to flag names.
class SectionedConfig : public CLI::ConfigBase {
 public:
  explicit SectionedConfig(std::vector<std::string> flag_names) : flag_names_(std::move(flag_names)) {}

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
      values[FlagFor(section, key, number)].push_back(Trim(line.substr(equals + 1)));
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
};

struct RawFlags {
  std::string datadir;
  std::string chain = "main";
  std::string conf;
  std::string tls = "optional";
  std::string tls_cert, tls_key, tls_ca, geoip_db, log_file;
};

void AddNetworkFlags(CLI::App& app, NodeConfig& c, RawFlags& raw) {
  app.add_option("--port", c.port, "P2P listening port (default: 8333, 18333, 18444 by network)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--bind", c.bind, "address to listen on (repeatable; default all)");
  app.add_option("--listen", c.listen, "accept inbound connections (1/0)")->capture_default_str();
  app.add_option("--addnode", c.addnode, "host[:port] to keep connected to (repeatable)");
  app.add_option("--connect", c.connect, "connect only to these host[:port] (repeatable)");
  app.add_option("--whitelist", c.whitelist, "IP or subnet exempt from the per-IP limit (repeatable)");
  app.add_option("--maxconnections", c.max_connections, "maximum peers in total")
      ->check(CLI::Range(0, 10000))->capture_default_str();
  app.add_option("--maxoutbound", c.max_outbound, "outbound peers to keep")
      ->check(CLI::Range(0, 1000))->capture_default_str();
  app.add_option("--dnsseed", c.dns_seeds, "DNS name to query for peer addresses (repeatable)");
  app.add_option("--geoip-db", raw.geoip_db, "MaxMind .mmdb database for peer geolocation");
}

void AddOtherFlags(CLI::App& app, NodeConfig& c, RawFlags& raw) {
  app.add_option("--rpcport", c.rpc_port, "RPC port (default: 8332, 18332, 18443 by network)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--rpcbind", c.rpc_bind, "RPC address (keep it local)")->capture_default_str();
  app.add_option("--rpcuser", c.rpc_user, "RPC user (default: cookie file)");
  app.add_option("--rpcpassword", c.rpc_password, "RPC password");
  app.add_option("--tls", raw.tls, "TLS for peer links")
      ->check(CLI::IsMember({"off", "optional", "required"}))->capture_default_str();
  app.add_option("--tls-cert", raw.tls_cert, "certificate (PEM; default: generated in the datadir)");
  app.add_option("--tls-key", raw.tls_key, "private key (PEM)");
  app.add_option("--tls-ca", raw.tls_ca, "CA bundle to verify peers with");
  app.add_option("--tls-pin", c.tls_pins, "SHA-256 of a peer public key to accept (repeatable)");
  app.add_option("--ban-duration", c.ban_duration_seconds, "seconds a misbehaving peer stays banned")
      ->check(CLI::Range(int64_t{1}, int64_t{10} * 365 * 86400))->capture_default_str();
  app.add_option("--score-threshold", c.score_threshold, "peers scored below this are not good peers")
      ->check(CLI::Range(0.0, 100.0))->capture_default_str();
  app.add_option("--utxo-cache-mb", c.utxo_cache_mb, "UTXO cache size in MiB")
      ->check(CLI::Range(4, 1 << 20))->capture_default_str();
  app.add_option("--worker-threads", c.worker_threads, "threads for validation and signatures")
      ->check(CLI::Range(1, 256))->capture_default_str();
  app.add_option("--mine", c.mine, "mine blocks (1/0)")->capture_default_str();
  app.add_option("--miningaddress", c.mining_address, "address paid by mined blocks");
  app.add_option("--loglevel", c.log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  app.add_option("--logfile", raw.log_file, "also log to this file (rotated)");
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

}  // namespace

ConfigOutcome ParseNodeArguments(int argc, const char* const* argv) {
  const RawFlags pre = PreParse(argc, argv);
  const std::filesystem::path base = pre.datadir.empty() ? DefaultDataDir() : std::filesystem::path(pre.datadir);
  const std::filesystem::path default_conf = base / "parthenon.conf";
  const bool explicit_conf = !pre.conf.empty();

  NodeConfig config;
  RawFlags raw;
  CLI::App app{"parthenon-node: a full node of the Parthenon network."};
  app.add_option("--datadir", raw.datadir, "data directory (default ~/.parthenon)");
  app.add_option("--chain", raw.chain, "network")->check(CLI::IsMember({"main", "mainnet", "testnet", "regtest"}))
      ->capture_default_str();
  AddNetworkFlags(app, config, raw);
  AddOtherFlags(app, config, raw);
  std::vector<std::string> flag_names;
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames()) flag_names.push_back(name);
  }
  app.config_formatter(std::make_shared<SectionedConfig>(flag_names));
  const std::string conf_path = explicit_conf ? pre.conf
                                : std::filesystem::exists(default_conf) ? default_conf.string() : "";
  app.set_config("--conf", conf_path, "configuration file (default <datadir>/parthenon.conf)", explicit_conf);
  app.allow_config_extras(false);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return {.config = std::nullopt, .exit_code = 0, .message = app.help()};
  } catch (const CLI::ParseError& e) {
    return {.config = std::nullopt, .exit_code = e.get_exit_code() == 0 ? 1 : e.get_exit_code(),
            .message = std::string("error: ") + e.what() +
                       (conf_path.empty() ? "" : " (config file: " + conf_path + ")")};
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
  config.log_file = PathOrNothing(raw.log_file);
  if (config.rpc_user.empty() != config.rpc_password.empty()) {
    return {.config = std::nullopt, .exit_code = 1, .message = "error: --rpcuser and --rpcpassword go together"};
  }
  if (config.max_outbound > config.max_connections) {
    return {.config = std::nullopt, .exit_code = 1,
            .message = "error: --maxoutbound (" + std::to_string(config.max_outbound) +
                       ") exceeds --maxconnections (" + std::to_string(config.max_connections) + ")"};
  }
  return {.config = std::move(config), .exit_code = 0, .message = {}};
}

}  // namespace parthenon::node
