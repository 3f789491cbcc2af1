// The dashboards parthenon-cli builds client-side from ordinary RPC answers, like bitcoin-cli's
// `-getinfo` and `-netinfo`: pure functions from the JSON results to the text the user sees, so
// they are tested without a node. Thread-safe (no state).
//
//   parthenon-cli -getinfo        chain, heights, progress, difficulty, connections, balance
//   parthenon-cli -netinfo [0-4]  peer counts by direction and network; 1-4 add a peer table
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace parthenon::rpc {

// One RPC call a report needs. `optional` calls may fail (e.g. getbalance on a node without a
// wallet); the report then leaves their part out.
struct ReportCall {
  std::string method;
  nlohmann::json params = nlohmann::json::array();
  bool optional = false;
};

// The answer to one ReportCall: its result, or null with `error` set.
struct ReportAnswer {
  nlohmann::json result;
  std::string error;  // empty on success
};

// The JSON-RPC batch for `calls` (ids 0..n-1).
[[nodiscard]] nlohmann::json BuildReportRequest(const std::vector<ReportCall>& calls);
// The answers to BuildReportRequest(calls), in the order of `calls`; an error names the first
// non-optional call that failed (or says the body is not a batch answer).
[[nodiscard]] std::expected<std::vector<ReportAnswer>, std::string> ParseReportAnswers(
    const std::string& body, const std::vector<ReportCall>& calls);

// -getinfo: getinfo, getblockchaininfo, getnetworkinfo, getsyncstatus, getbalance (optional).
[[nodiscard]] std::vector<ReportCall> GetInfoCalls();
// REQUIRES: answers.size() == GetInfoCalls().size(), in that order.
[[nodiscard]] std::string FormatGetInfo(const std::vector<ReportAnswer>& answers);

// -netinfo, first round: getinfo, getnetworkinfo, getpeerinfo.
[[nodiscard]] std::vector<ReportCall> NetInfoCalls();
// Second round (only for level >= 1): getpeerscore for every peer in `peerinfo` (all optional:
// the peer database knows outbound addresses, rarely an inbound peer's ephemeral port).
[[nodiscard]] std::vector<ReportCall> NetInfoScoreCalls(const nlohmann::json& peerinfo);

struct NetInfoInput {
  nlohmann::json info;         // getinfo
  nlohmann::json networkinfo;  // getnetworkinfo
  nlohmann::json peerinfo;     // getpeerinfo (an array)
  std::vector<ReportAnswer> scores;  // answers to NetInfoScoreCalls(peerinfo), or empty
  int64_t now = 0;             // Unix seconds, for ages and idle times
};

// REQUIRES: 0 <= level <= 4 (ParseNetInfoLevel clamps user input).
//   0: counts of peers by direction (in/out/total) and network (ipv4/ipv6/onion/i2p/cjdns)
//   1: a peer table before the counts (direction, network, min ping, ping, send/recv idle, TLS,
//      score, country, age, id), 2: with addresses, 3: with versions, 4: with both.
[[nodiscard]] std::string FormatNetInfo(const NetInfoInput& input, int level);

// The network of a getpeerinfo "host": "ipv4", "ipv6", "onion", "i2p" or "cjdns".
[[nodiscard]] std::string NetworkOf(const std::string& host);

}  // namespace parthenon::rpc
