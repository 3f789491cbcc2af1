#include "rpc/peerdb_methods.h"

#include "p2p/network_manager.h"
#include "p2p/peerdb/peer_database.h"
#include "p2p/peerdb/score_parts.h"
#include "rpc/dispatcher.h"
#include "rpc/params.h"
#include "util/result.h"

namespace parthenon::rpc {
namespace {

using nlohmann::json;

std::string_view TableName(p2p::AddrTable table) {
  switch (table) {
    case p2p::AddrTable::kNone: return "none";
    case p2p::AddrTable::kNew: return "new";
    case p2p::AddrTable::kTried: return "tried";
  }
  return "?";
}

// The score's parts (score_parts.h): initial + Σ count × weight + residual = score.
json ScorePartsJson(const p2p::PeerRecord& r) {
  const auto breakdown = p2p::ExplainScore(r);
  json parts = json::array();
  parts.push_back({{"name", "initial"}, {"gossipsub", ""}, {"contribution", breakdown.initial}});
  for (const auto& part : breakdown.parts) {
    parts.push_back({{"name", part.name},
                     {"gossipsub", part.gossipsub},
                     {"meaning", part.meaning},
                     {"count", part.count},
                     {"weight", part.weight},
                     {"contribution", part.contribution}});
  }
  parts.push_back({{"name", "residual"},
                   {"gossipsub", ""},
                   {"meaning", "clamping to [0, 100] after each event, stalls (-1, no counter) and "
                               "manual adjustments"},
                   {"contribution", breakdown.residual}});
  return parts;
}

json RecordJson(const p2p::PeerRecord& r, int64_t now) {
  return {{"address", r.address.ToString()},
          {"table", TableName(r.table)},
          {"score_parts", ScorePartsJson(r)},
          {"services", r.services},
          {"score", r.score},
          {"first_seen", r.first_seen},
          {"last_seen", r.last_seen},
          {"last_attempt", r.last_attempt},
          {"attempts", r.attempts},
          {"successes", r.successes},
          {"failures", r.failures},
          {"blocks", r.blocks},
          {"transactions", r.txs},
          {"invalid_messages", r.invalid},
          {"protocol_violations", r.violations},
          {"connected_seconds", r.connected_seconds},
          {"banned", r.ban_until > now},
          {"ban_until", r.ban_until},
          {"country", r.country},
          {"asn", r.asn},
          {"isp", r.isp}};
}

std::unexpected<Error> DbError(p2p::PeerDbError error, const std::string& what) {
  switch (error) {
    case p2p::PeerDbError::kBadAddress:
      return MakeError(ErrorCode::kClientInvalidIpOrSubnet, "invalid IP or subnet: " + what);
    case p2p::PeerDbError::kNotFound:
      return MakeError(ErrorCode::kClientInvalidIpOrSubnet, "not banned: " + what);
    case p2p::PeerDbError::kIo:
      return MakeError(ErrorCode::kMiscError, "cannot read or write file: " + what);
    case p2p::PeerDbError::kBadFormat:
      return MakeError(ErrorCode::kDeserializationError,
                       "not a peers file (16 tab-separated columns expected): " + what);
    case p2p::PeerDbError::kStorage:
      return MakeError(ErrorCode::kInternalError, "peer database storage error");
  }
  return MakeError(ErrorCode::kInternalError, "unknown error");
}

void RegisterInfo(Dispatcher& dispatcher, p2p::PeerDatabase& db) {
  dispatcher.Register(
      {.name = "getpeerdbinfo",
       .arguments = "",
       .description = "Peer database statistics: peers, good peers, bans in force, average "
                      "score, the address manager's new/tried table sizes and the country distribution.",
       .handler = [&db](const json& params) -> Result<json> {
         Params p(params, {});
         PARTHENON_TRY(p.CheckShape());
         const auto stats = db.GetStats();
         json countries = json::object();
         for (const auto& [country, count] : db.GetCountryDistribution()) {
           countries[country] = count;
         }
         return json{{"peers", stats.peers},
                     {"good_peers", stats.good},
                     {"banned", stats.banned},
                     {"average_score", stats.average_score},
                     {"new_table", stats.new_table},
                     {"tried_table", stats.tried_table},
                     {"countries", countries}};
       }});
  dispatcher.Register(
      {.name = "getpeerscore",
       .arguments = "address",
       .description = "Score of a peer (\"ip:port\", or a bare IP: every record of that IP) and "
                      "the counters behind it.",
       .handler = [&db](const json& params) -> Result<json> {
         Params p(params, {"address"});
         PARTHENON_TRY(p.CheckShape());
         auto text = p.String(0);
         if (!text) return std::unexpected(text.error());
         const int64_t now = db.options().clock->UnixSeconds();
         if (auto endpoint = p2p::wire::NetAddress::ParseEndpoint(*text)) {
           auto record = db.GetPeer(*endpoint);
           if (!record) return MakeError(ErrorCode::kInvalidAddress, "unknown peer " + *text);
           return RecordJson(*record, now);
         }
         auto ip = p2p::wire::NetAddress::Parse(*text, 0);
         if (!ip) {
           return MakeError(ErrorCode::kInvalidAddress,
                            "not an address: '" + *text + "' (expected ip:port or ip)");
         }
         json out = json::array();
         for (const auto& record : db.GetPeers(db.GetPeerCount())) {
           if (record.address.ip() == ip->ip()) out.push_back(RecordJson(record, now));
         }
         if (out.empty()) return MakeError(ErrorCode::kInvalidAddress, "unknown peer " + *text);
         return out;
       }});
}

void RegisterBans(Dispatcher& dispatcher, p2p::PeerDatabase& db, p2p::NetworkManager& net) {
  dispatcher.Register(
      {.name = "setban",
       .arguments = "subnet command [bantime] [absolute]",
       .description = "Adds (command \"add\") or removes (\"remove\") a ban of an IP or subnet "
                      "(\"1.2.3.4\", \"1.2.3.0/24\", \"2001:db8::/32\"). bantime: seconds (0 or "
                      "absent: the configured ban_duration), or a Unix time if absolute is true. "
                      "Connected peers in the subnet are disconnected.",
       .handler = [&db, &net](const json& params) -> Result<json> {
         Params p(params, {"subnet", "command", "bantime", "absolute"});
         PARTHENON_TRY(p.CheckShape());
         auto text = p.String(0);
         if (!text) return std::unexpected(text.error());
         auto command = p.String(1);
         if (!command) return std::unexpected(command.error());
         auto bantime = p.OptionalInt(2, 0, int64_t{1} << 40);
         if (!bantime) return std::unexpected(bantime.error());
         auto absolute = p.OptionalBool(3);
         if (!absolute) return std::unexpected(absolute.error());
         auto subnet = p2p::Subnet::Parse(*text);
         if (!subnet) return DbError(p2p::PeerDbError::kBadAddress, *text);
         if (*command == "remove") {
           if (auto removed = net.Unban(*text); !removed) {
             return DbError(p2p::PeerDbError::kNotFound, *text);
           }
           return json(nullptr);
         }
         if (*command != "add") {
           return MakeError(ErrorCode::kInvalidParameter,
                            "command must be \"add\" or \"remove\", not \"" + *command + "\"");
         }
         std::optional<std::chrono::seconds> duration;
         const int64_t now = db.options().clock->UnixSeconds();
         if (bantime->value_or(0) > 0) {
           const int64_t seconds = absolute->value_or(false) ? **bantime - now : **bantime;
           if (seconds <= 0) {
             return MakeError(ErrorCode::kInvalidParameter, "absolute bantime is in the past");
           }
           duration = std::chrono::seconds(seconds);
         }
         // Through the network manager: its policy records the ban and closes the links it
         // now refuses (the one admission check).
         if (auto banned = net.Ban(*text, duration); !banned) {
           return MakeError(ErrorCode::kMiscError,
                            "cannot ban " + *text + ": " + std::string(p2p::ToString(banned.error())));
         }
         return json(nullptr);
       }});
  dispatcher.Register(
      {.name = "listbanned",
       .arguments = "",
       .description = "Bans in force: address (subnet), ban_created, banned_until, reason.",
       .handler = [&db](const json& params) -> Result<json> {
         Params p(params, {});
         PARTHENON_TRY(p.CheckShape());
         json out = json::array();
         for (const auto& ban : db.ListBans()) {
           out.push_back({{"address", ban.subnet.ToString()},
                          {"ban_created", ban.created},
                          {"banned_until", ban.ban_until},
                          {"reason", ban.reason}});
         }
         return out;
       }});
  dispatcher.Register({.name = "clearbanned",
                       .arguments = "",
                       .description = "Removes every ban.",
                       .handler = [&db](const json& params) -> Result<json> {
                         Params p(params, {});
                         PARTHENON_TRY(p.CheckShape());
                         db.ClearBans();
                         return json(nullptr);
                       }});
}

void RegisterFiles(Dispatcher& dispatcher, p2p::PeerDatabase& db) {
  dispatcher.Register(
      {.name = "dumppeers",
       .arguments = "path",
       .description = "Writes the peer database to `path` (on the node's host) in the "
                      "tab-separated peers format; returns the number of peers written.",
       .handler = [&db](const json& params) -> Result<json> {
         Params p(params, {"path"});
         PARTHENON_TRY(p.CheckShape());
         auto path = p.String(0);
         if (!path) return std::unexpected(path.error());
         auto written = db.ExportTsv(*path);
         if (!written) return DbError(written.error(), *path);
         return json{{"path", *path}, {"peers", *written}};
       }});
  dispatcher.Register(
      {.name = "loadpeers",
       .arguments = "path",
       .description = "Merges a tab-separated peers file (as written by dumppeers) into the "
                      "peer database; returns the number of peers loaded.",
       .handler = [&db](const json& params) -> Result<json> {
         Params p(params, {"path"});
         PARTHENON_TRY(p.CheckShape());
         auto path = p.String(0);
         if (!path) return std::unexpected(path.error());
         auto loaded = db.ImportTsv(*path);
         if (!loaded) return DbError(loaded.error(), *path);
         return json{{"path", *path}, {"peers", *loaded}};
       }});
}

}  // namespace

void RegisterPeerDbMethods(Dispatcher& dispatcher, p2p::PeerDatabase& db,
                           p2p::NetworkManager& net) {
  RegisterInfo(dispatcher, db);
  RegisterBans(dispatcher, db, net);
  RegisterFiles(dispatcher, db);
}

}  // namespace parthenon::rpc
