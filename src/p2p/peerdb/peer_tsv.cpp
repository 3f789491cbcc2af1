// PeerDatabase's tab-separated export and import (seed document 000 §1):
//   # key address port services last_seen first_seen attempts success fails banned ban_until
//     score blocks txs invalid violations
#include <charconv>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "p2p/peerdb/peer_database.h"
#include "util/logging.h"

namespace parthenon::p2p {
namespace {

constexpr std::string_view kHeader =
    "# key\taddress\tport\tservices\tlast_seen\tfirst_seen\tattempts\tsuccess\tfails\tbanned\t"
    "ban_until\tscore\tblocks\ttxs\tinvalid\tviolations";
constexpr size_t kColumns = 16;

template <class T>
bool ParseNumber(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::vector<std::string_view> Split(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

std::optional<PeerRecord> ParseLine(std::string_view line) {
  const auto f = Split(line);
  if (f.size() != kColumns) return std::nullopt;
  uint16_t port = 0;
  if (!ParseNumber(f[2], port)) return std::nullopt;
  auto address = wire::NetAddress::Parse(f[1], port);
  if (!address) return std::nullopt;
  PeerRecord r;
  r.address = *address;
  int banned = 0;
  const bool ok = ParseNumber(f[3], r.services) && ParseNumber(f[4], r.last_seen) &&
                  ParseNumber(f[5], r.first_seen) && ParseNumber(f[6], r.attempts) &&
                  ParseNumber(f[7], r.successes) && ParseNumber(f[8], r.failures) &&
                  ParseNumber(f[9], banned) && ParseNumber(f[10], r.ban_until) &&
                  ParseNumber(f[11], r.score) && ParseNumber(f[12], r.blocks) &&
                  ParseNumber(f[13], r.txs) && ParseNumber(f[14], r.invalid) &&
                  ParseNumber(f[15], r.violations);
  if (!ok || !std::isfinite(r.score) || r.score < ScoreTable::kMin || r.score > ScoreTable::kMax) {
    return std::nullopt;
  }
  if (!banned) r.ban_until = 0;
  return r;
}

}  // namespace

PeerDbResult<size_t> PeerDatabase::ExportTsv(const std::filesystem::path& path) const {
  std::ostringstream out;
  out << kHeader << '\n';
  size_t lines = 0;
  {
    util::MutexLock lock(mutex_);
    const int64_t now = Now();
    for (const auto& [address, r] : records_) {
      const bool banned = r.ban_until > now;
      out << fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                         address.ToString(), address.HostString(), address.port(), r.services,
                         r.last_seen, r.first_seen, r.attempts, r.successes, r.failures,
                         banned ? 1 : 0, r.ban_until, r.score, r.blocks, r.txs, r.invalid,
                         r.violations);
      ++lines;
    }
  }
  const auto tmp = std::filesystem::path(path.string() + ".tmp");
  {
    std::ofstream file(tmp, std::ios::trunc);
    file << out.str();
    file.flush();
    if (!file) return std::unexpected(PeerDbError::kIo);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return std::unexpected(PeerDbError::kIo);
  return lines;
}

PeerDbResult<size_t> PeerDatabase::ImportTsv(const std::filesystem::path& path) {
  std::ifstream file(path);
  if (!file) return std::unexpected(PeerDbError::kIo);
  std::vector<PeerRecord> parsed;
  std::string line;
  size_t number = 0;
  while (std::getline(file, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    auto record = ParseLine(line);
    if (!record) {
      util::Log(util::LogCategory::kPeerDb)
          .warn("{}:{}: not a peer line (16 tab-separated columns)", path.string(), number);
      return std::unexpected(PeerDbError::kBadFormat);
    }
    parsed.push_back(std::move(*record));
  }
  util::MutexLock lock(mutex_);
  for (auto& record : parsed) {
    auto it = records_.find(record.address);
    if (it != records_.end()) {
      // Keep what the file cannot carry.
      record.source_group = it->second.source_group;
      record.country = it->second.country;
      record.asn = it->second.asn;
      record.latitude = it->second.latitude;
      record.longitude = it->second.longitude;
      record.isp = it->second.isp;
      record.last_attempt = it->second.last_attempt;
      record.last_success = it->second.last_success;
      record.last_block = it->second.last_block;
      record.last_tx = it->second.last_tx;
      Unindex(it->second);
    } else {
      EnforceBound();
    }
    if (record.ban_until > Now()) {
      PutBan({Subnet(wire::NetAddress(record.address.ip(), 0)), Now(), record.ban_until,
              "imported"});
    }
    // The file carries no table: an imported address joins new (or keeps the table it has).
    if (record.address.port() != 0) {
      addrman_->Add(record.address, record.source_group, record.last_seen, Now(), rng_);
    }
    record.table = addrman_->TableOf(record.address);
    records_[record.address] = record;
    Index(record);
    Persist(record);
  }
  SyncTables();
  return parsed.size();
}

}  // namespace parthenon::p2p
