#include "rpc/client_reports.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>

namespace parthenon::rpc {
namespace {

using nlohmann::json;

// Field of an object, or `fallback` when absent, null or of another type.
template <class T>
T Get(const json& object, const char* key, T fallback) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if constexpr (std::is_same_v<T, std::string>) {
    return it->is_string() ? it->get<std::string>() : fallback;
  } else if constexpr (std::is_same_v<T, bool>) {
    return it->is_boolean() ? it->get<bool>() : fallback;
  } else {
    return it->is_number() ? it->get<T>() : fallback;
  }
}

std::optional<double> GetNumber(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// Milliseconds of a round trip in seconds, with the precision a loopback link still shows.
std::string PingMs(std::optional<double> seconds) {
  if (!seconds || *seconds < 0) return "";
  const double ms = *seconds * 1000;
  if (ms < 10) return fmt::format("{:.2f}", ms);
  if (ms < 100) return fmt::format("{:.1f}", ms);
  return fmt::format("{:.0f}", ms);
}

// Seconds since a Unix time (blank when the node did not report it).
std::string IdleSeconds(std::optional<double> since, int64_t now) {
  if (!since || *since <= 0) return "";
  return fmt::format("{}", std::max<int64_t>(0, now - static_cast<int64_t>(*since)));
}

constexpr std::array<const char*, 5> kNetworks = {"ipv4", "ipv6", "onion", "i2p", "cjdns"};

struct PeerRow {
  bool outbound = false;
  std::string network;
  std::optional<double> min_ping;
  std::optional<double> ping;
  std::string send, recv;
  bool tls = false;
  std::string score;
  std::string country;
  int64_t age_minutes = 0;
  int64_t id = 0;
  std::string address;
  std::string version;
};

PeerRow MakeRow(const json& peer, const ReportAnswer* score, int64_t now) {
  PeerRow row;
  row.outbound = Get<std::string>(peer, "direction", "") == "outbound" || !Get<bool>(peer, "inbound", true);
  row.network = NetworkOf(Get<std::string>(peer, "host", ""));
  row.min_ping = GetNumber(peer, "minping");
  row.ping = GetNumber(peer, "pingtime");
  row.send = IdleSeconds(GetNumber(peer, "lastsend"), now);
  row.recv = IdleSeconds(GetNumber(peer, "lastrecv"), now);
  row.tls = Get<bool>(peer, "encrypted", false);
  if (score != nullptr && score->error.empty() && score->result.is_object()) {
    if (const auto value = GetNumber(score->result, "score")) row.score = fmt::format("{:.1f}", *value);
    row.country = Get<std::string>(score->result, "country", "");
  }
  if (row.country.empty()) row.country = "--";
  const int64_t since = Get<int64_t>(peer, "conntime", 0);
  row.age_minutes = since > 0 ? std::max<int64_t>(0, now - since) / 60 : 0;
  row.id = Get<int64_t>(peer, "id", 0);
  row.address = Get<std::string>(peer, "addr", "");
  row.version = fmt::format("{}{}", Get<int64_t>(peer, "version", 0), Get<std::string>(peer, "subver", ""));
  return row;
}

std::string PeerTable(const NetInfoInput& input, int level) {
  std::vector<PeerRow> rows;
  size_t index = 0;
  for (const json& peer : input.peerinfo) {
    const ReportAnswer* score = index < input.scores.size() ? &input.scores[index] : nullptr;
    rows.push_back(MakeRow(peer, score, input.now));
    ++index;
  }
  // Inbound first, then by minimum ping (unmeasured last), then by id: like bitcoin-cli.
  std::ranges::sort(rows, [](const PeerRow& a, const PeerRow& b) {
    if (a.outbound != b.outbound) return !a.outbound;
    const double pa = a.min_ping.value_or(INFINITY), pb = b.min_ping.value_or(INFINITY);
    if (pa != pb) return pa < pb;
    return a.id < b.id;
  });
  const bool with_address = level == 2 || level == 4;
  const bool with_version = level == 3 || level == 4;
  size_t address_width = 7;  // "address"
  for (const PeerRow& row : rows) address_width = std::max(address_width, row.address.size());

  std::string out = fmt::format("{:<3} {:>5} {:>7} {:>7} {:>5} {:>5} {:>3} {:>6} {:>2} {:>5} {:>4}",
                                "<->", "net", "mping", "ping", "send", "recv", "tls", "score", "cc",
                                "age", "id");
  if (with_address) out += fmt::format("  {:<{}}", "address", address_width);
  if (with_version) out += "  version";
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out += '\n';
  for (const PeerRow& row : rows) {
    std::string line = fmt::format("{:<3} {:>5} {:>7} {:>7} {:>5} {:>5} {:>3} {:>6} {:>2} {:>5} {:>4}",
                                   row.outbound ? "out" : "in", row.network, PingMs(row.min_ping),
                                   PingMs(row.ping), row.send, row.recv, row.tls ? "yes" : "no",
                                   row.score, row.country, row.age_minutes, row.id);
    if (with_address) line += fmt::format("  {:<{}}", row.address, address_width);
    if (with_version) line += "  " + row.version;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
  out += fmt::format("{:<3} {:>5} {:>7} {:>7} {:>5} {:>5} {:>3} {:>6} {:>2} {:>5}\n\n", "", "", "ms",
                     "ms", "sec", "sec", "", "", "", "min");
  return out;
}

std::string Counts(const NetInfoInput& input) {
  // [direction][network] plus totals; only networks that have a peer are shown beyond ipv4/ipv6.
  std::map<std::string, std::array<int, 2>> by_network;  // network → {in, out}
  std::array<int, 2> total{}, tls{};
  for (const json& peer : input.peerinfo) {
    const PeerRow row = MakeRow(peer, nullptr, input.now);
    const int direction = row.outbound ? 1 : 0;
    ++by_network[row.network][direction];
    ++total[direction];
    if (row.tls) ++tls[direction];
  }
  std::vector<std::string> columns;
  for (const char* network : kNetworks) {
    if (std::string_view(network) == "ipv4" || std::string_view(network) == "ipv6" || by_network.contains(network)) {
      columns.emplace_back(network);
    }
  }
  std::string out = fmt::format("{:<5}", "");
  for (const auto& column : columns) out += fmt::format(" {:>7}", column);
  out += fmt::format(" {:>7} {:>7}\n", "total", "tls");
  for (int direction : {0, 1, 2}) {
    out += fmt::format("{:<5}", direction == 0 ? "in" : direction == 1 ? "out" : "total");
    for (const auto& column : columns) {
      const auto it = by_network.find(column);
      const int count = it == by_network.end() ? 0
                        : direction == 2       ? it->second[0] + it->second[1]
                                               : it->second[direction];
      out += fmt::format(" {:>7}", count);
    }
    const int all = direction == 2 ? total[0] + total[1] : total[direction];
    const int encrypted = direction == 2 ? tls[0] + tls[1] : tls[direction];
    out += fmt::format(" {:>7} {:>7}\n", all, encrypted);
  }
  std::string ports;
  if (const auto it = input.networkinfo.find("localports");
      input.networkinfo.is_object() && it != input.networkinfo.end() && it->is_array()) {
    for (const json& port : *it) ports += (ports.empty() ? "" : ", ") + port.dump();
  }
  out += "\nListening ports: " + (ports.empty() ? std::string("n/a (not listening)") : ports) + "\n";
  return out;
}

std::string Percent(double ratio) { return fmt::format("{:.4f}%", ratio * 100); }

}  // namespace

std::string NetworkOf(const std::string& host) {
  if (host.ends_with(".onion")) return "onion";
  if (host.ends_with(".i2p")) return "i2p";
  if (host.find(':') != std::string::npos) {
    std::string lower = host;
    if (!lower.empty() && lower.front() == '[') lower.erase(0, 1);
    std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower.starts_with("fc") ? "cjdns" : "ipv6";  // fc00::/8 is cjdns
  }
  return "ipv4";
}

json BuildReportRequest(const std::vector<ReportCall>& calls) {
  json batch = json::array();
  for (size_t i = 0; i < calls.size(); ++i) {
    batch.push_back({{"jsonrpc", "2.0"}, {"id", i}, {"method", calls[i].method}, {"params", calls[i].params}});
  }
  return batch;
}

std::expected<std::vector<ReportAnswer>, std::string> ParseReportAnswers(const std::string& body,
                                                                       const std::vector<ReportCall>& calls) {
  const json response = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!response.is_array()) return std::unexpected("unexpected answer to a batch: " + body.substr(0, 200));
  std::vector<ReportAnswer> answers(calls.size(), ReportAnswer{.result = nullptr, .error = "no answer"});
  for (const json& item : response) {
    if (!item.is_object() || !item.contains("id") || !item["id"].is_number_unsigned()) continue;
    const auto id = item["id"].get<size_t>();
    if (id >= answers.size()) continue;
    const auto error = item.find("error");
    if (error != item.end() && !error->is_null()) {
      answers[id] = {.result = nullptr, .error = Get<std::string>(*error, "message", error->dump())};
    } else {
      answers[id] = {.result = item.value("result", json(nullptr)), .error = {}};
    }
  }
  for (size_t i = 0; i < calls.size(); ++i) {
    if (!calls[i].optional && !answers[i].error.empty()) {
      return std::unexpected(calls[i].method + ": " + answers[i].error);
    }
  }
  return answers;
}

std::vector<ReportCall> GetInfoCalls() {
  return {{.method = "getinfo"},
          {.method = "getblockchaininfo"},
          {.method = "getnetworkinfo"},
          {.method = "getsyncstatus", .optional = true},
          {.method = "getbalance", .optional = true}};
}

std::string FormatGetInfo(const std::vector<ReportAnswer>& answers) {
  const json& info = answers.at(0).result;
  const json& chain = answers.at(1).result;
  const json& network = answers.at(2).result;
  const ReportAnswer& sync = answers.at(3);
  const ReportAnswer& balance = answers.at(4);
  std::string out;
  out += fmt::format("Chain: {}\n", Get<std::string>(chain, "chain", Get<std::string>(info, "chain", "?")));
  out += fmt::format("Blocks: {}\n", Get<int64_t>(chain, "blocks", 0));
  out += fmt::format("Headers: {}\n", Get<int64_t>(chain, "headers", 0));
  out += fmt::format("Verification progress: {}\n", Percent(Get<double>(chain, "verificationprogress", 0)));
  out += fmt::format("Difficulty: {}\n", Get<double>(chain, "difficulty", 0));
  if (sync.error.empty() && sync.result.is_object()) {
    const bool syncing = Get<bool>(sync.result, "syncing", false);
    out += fmt::format("Sync: {}, target height {}, {:.1f} blocks/s\n", syncing ? "syncing" : "idle",
                       Get<int64_t>(sync.result, "target", 0), Get<double>(sync.result, "blocks_per_second", 0));
  }
  out += '\n';
  const int64_t in = Get<int64_t>(network, "connections_in", Get<int64_t>(info, "connections_in", 0));
  const int64_t conn_out = Get<int64_t>(network, "connections_out", Get<int64_t>(info, "connections_out", 0));
  out += fmt::format("Network: in {}, out {}, total {}\n", in, conn_out, in + conn_out);
  out += fmt::format("Version: {} (protocol {})\n", Get<std::string>(info, "version", "?"),
                     Get<int64_t>(network, "protocolversion", Get<int64_t>(info, "protocolversion", 0)));
  out += fmt::format("P2P port: {}\n", Get<int64_t>(info, "p2p_port", 0));
  out += fmt::format("Mempool: {} transactions\n", Get<int64_t>(info, "mempool_size", 0));
  out += fmt::format("Uptime: {} s\n", Get<int64_t>(info, "uptime", 0));
  if (balance.error.empty() && balance.result.is_number()) {
    out += fmt::format("\nBalance: {:.8f}\n", balance.result.get<double>());
  }
  return out;
}

std::vector<ReportCall> NetInfoCalls() {
  return {{.method = "getinfo"}, {.method = "getnetworkinfo"}, {.method = "getpeerinfo"}};
}

std::vector<ReportCall> NetInfoScoreCalls(const json& peerinfo) {
  std::vector<ReportCall> calls;
  if (!peerinfo.is_array()) return calls;
  for (const json& peer : peerinfo) {
    calls.push_back({.method = "getpeerscore", .params = json::array({Get<std::string>(peer, "addr", "")}),
                     .optional = true});
  }
  return calls;
}

std::string FormatNetInfo(const NetInfoInput& input, int level) {
  std::string out = fmt::format("Parthenon client - server {}/{} - chain {}\n\n",
                                Get<int64_t>(input.networkinfo, "protocolversion", 0),
                                Get<std::string>(input.info, "version", "?"),
                                Get<std::string>(input.info, "chain", "?"));
  if (level >= 1 && input.peerinfo.is_array()) out += PeerTable(input, level);
  out += Counts(input);
  return out;
}

}  // namespace parthenon::rpc
