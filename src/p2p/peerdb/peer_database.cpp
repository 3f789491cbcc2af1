#include "p2p/peerdb/peer_database.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <type_traits>

#include "p2p/peerdb/netgroup.h"
#include "util/logging.h"

namespace parthenon::p2p {
namespace {

double Clamp(double score) { return std::clamp(score, ScoreTable::kMin, ScoreTable::kMax); }

spdlog::logger& Log() { return util::Log(util::LogCategory::kPeerDb); }

// Best first: score, then address (a total order for determinism; the indexes' order).
bool Better(const PeerRecord& a, const PeerRecord& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.address < b.address;
}

AddrMan::Secret RandomSecret() {
  std::random_device device;
  AddrMan::Secret secret;
  for (auto& b : secret) b = static_cast<std::byte>(device() & 0xFF);
  return secret;
}

AddrMan::GroupFn GroupingOf(const PeerDatabase::Options& options) {
  if (options.group) return options.group;
  return [](const wire::NetAddress& address) { return NetGroup(address); };
}

}  // namespace

std::string_view ToString(PeerDbError error) {
  switch (error) {
    case PeerDbError::kBadAddress: return "bad address";
    case PeerDbError::kStorage: return "storage error";
    case PeerDbError::kIo: return "I/O error";
    case PeerDbError::kBadFormat: return "bad format";
    case PeerDbError::kNotFound: return "not found";
  }
  return "?";
}

PeerDatabase::PeerDatabase() : PeerDatabase(Options{}) {}
PeerDatabase::PeerDatabase(Options options)
    : options_(std::move(options)),
      rng_(options_.rng_seed.value_or(std::random_device{}())),
      addrman_(std::make_unique<AddrMan>(RandomSecret(), GroupingOf(options_))) {}
PeerDatabase::~PeerDatabase() { Close(); }

PeerDbResult<void> PeerDatabase::Open(storage::ColumnHandle peers, storage::ColumnHandle bans) {
  // Read outside the lock into locals (the visitors are lambdas, which lock annotations cannot
  // see into), then install.
  std::vector<PeerRecord> loaded_records;
  std::vector<BanEntry> loaded_bans;
  size_t bad = 0;
  auto scanned = peers.Scan({}, [&](util::ByteSpan key, util::ByteSpan value) {
    if (key.size() == kSecretKey.size()) return true;  // the address manager's secret
    if (auto record = DecodePeerRecord(value)) {
      loaded_records.push_back(std::move(*record));
    } else {
      ++bad;
    }
    return true;
  });
  if (scanned) {
    scanned = bans.Scan({}, [&](util::ByteSpan, util::ByteSpan value) {
      if (auto ban = DecodeBanEntry(value)) {
        loaded_bans.push_back(std::move(*ban));
      } else {
        ++bad;
      }
      return true;
    });
  }
  if (!scanned) {
    Log().error("cannot load the peer database: {}", scanned.error().Message());
    return std::unexpected(PeerDbError::kStorage);
  }
  util::MutexLock lock(mutex_);
  records_.clear();
  bans_.clear();
  for (auto& record : loaded_records) {
    const auto address = record.address;
    records_.insert_or_assign(address, std::move(record));
  }
  for (auto& ban : loaded_bans) {
    const auto subnet = ban.subnet;
    bans_.insert_or_assign(subnet, std::move(ban));
  }
  if (bad) Log().warn("dropped {} undecodable peer/ban records", bad);
  by_score_.clear();
  by_country_.clear();
  for (const auto& [address, record] : records_) Index(record);
  peers_column_.emplace(peers);
  bans_column_.emplace(bans);
  const size_t pruned = PruneLocked();
  RebuildTables();
  Log().info("peer database: {} peers ({} new, {} tried), {} bans loaded ({} pruned)",
             records_.size(), addrman_->NewCount(), addrman_->TriedCount(), bans_.size(),
             pruned);
  return {};
}

PeerDbResult<void> PeerDatabase::Open(const std::filesystem::path& path) {
  auto db = storage::Database::Open({.path = path, .block_cache_bytes = 8 << 20,
                                     .write_buffer_bytes = 4 << 20});
  if (!db) {
    Log().error("cannot open {}: {}", path.string(), db.error().Message());
    return std::unexpected(PeerDbError::kStorage);
  }
  auto& raw = **db;
  auto opened = Open(storage::ColumnHandle(raw, storage::Column::kPeers),
                     storage::ColumnHandle(raw, storage::Column::kBans));
  if (!opened) return opened;
  util::MutexLock lock(mutex_);
  own_db_ = std::move(*db);
  return {};
}

void PeerDatabase::Close() {
  util::MutexLock lock(mutex_);
  peers_column_.reset();
  bans_column_.reset();
  records_.clear();
  by_score_.clear();
  by_country_.clear();
  bans_.clear();
  addrman_ = std::make_unique<AddrMan>(RandomSecret(), GroupingOf(options_));
  own_db_.reset();
}

void PeerDatabase::RebuildTables() {
  AddrMan::Secret secret{};
  bool have_secret = false;
  if (auto stored = peers_column_->Get(util::AsBytes(kSecretKey));
      stored && *stored && (*stored)->size() == secret.size()) {
    std::copy((*stored)->begin(), (*stored)->end(), secret.begin());
    have_secret = true;
  }
  if (!have_secret) {
    secret = RandomSecret();
    if (auto put = peers_column_->Put(util::AsBytes(kSecretKey), secret); !put) {
      Log().error("address manager secret write failed: {}", put.error().Message());
    }
  }
  addrman_ = std::make_unique<AddrMan>(secret, GroupingOf(options_));
  // Tried first (they claim their slots before new entries can), then new, then records
  // written before the tables existed (version 2) as new entries.
  for (AddrTable pass : {AddrTable::kTried, AddrTable::kNew, AddrTable::kNone}) {
    for (const auto& [address, r] : records_) {
      if (r.table != pass || address.port() == 0) continue;
      AddrMan::Entry entry;
      entry.source_group = r.source_group;
      entry.last_seen = r.last_seen;
      entry.last_try = r.last_attempt;
      entry.last_success = r.last_success;
      entry.attempts = r.successes == 0 ? static_cast<uint32_t>(std::min<uint64_t>(r.failures, 8)) : 0;
      addrman_->Restore(address, entry, pass == AddrTable::kTried);
    }
  }
  (void)addrman_->TakeChanged();
  for (auto& [address, r] : records_) {
    const AddrTable table = addrman_->TableOf(address);
    if (r.table == table) continue;
    r.table = table;
    Persist(r);
  }
}

void PeerDatabase::SyncTables() {
  for (const auto& address : addrman_->TakeChanged()) {
    auto it = records_.find(address);
    if (it == records_.end()) continue;
    const AddrTable table = addrman_->TableOf(address);
    if (it->second.table == table) continue;
    it->second.table = table;
    Persist(it->second);
  }
}

std::string PeerDatabase::GroupOf(const wire::NetAddress& address) const {
  return options_.group ? options_.group(address) : NetGroup(address);
}

std::vector<wire::NetAddress> PeerDatabase::DrawAddresses(size_t draws, bool new_only) {
  util::MutexLock lock(mutex_);
  std::vector<wire::NetAddress> out;
  const int64_t now = Now();
  // Every entry drawn: more draws only repeat them. In a near-empty table each draw scans
  // hundreds of empty buckets, and the dialer asks again every poll while a slot stays empty
  // (a node with one known peer spent a third of a core here).
  const size_t entries = addrman_->NewCount() + (new_only ? 0 : addrman_->TriedCount());
  for (size_t i = 0; i < draws && out.size() < entries; ++i) {
    auto pick = addrman_->Select(new_only, now, rng_);
    if (!pick) break;
    if (std::find(out.begin(), out.end(), *pick) == out.end()) out.push_back(*pick);
  }
  return out;
}

std::optional<wire::NetAddress> PeerDatabase::CollisionToTest() {
  util::MutexLock lock(mutex_);
  return addrman_->CollisionToTest(rng_);
}

size_t PeerDatabase::ResolveCollisions() {
  util::MutexLock lock(mutex_);
  const size_t settled = addrman_->ResolveCollisions(Now());
  SyncTables();
  return settled;
}

AddrTable PeerDatabase::TableOf(const wire::NetAddress& address) const {
  util::MutexLock lock(mutex_);
  return addrman_->TableOf(address);
}

void PeerDatabase::Index(const PeerRecord& record) {
  by_score_.emplace(record.score, record.address);
  by_country_[record.country].emplace(record.score, record.address);
}

void PeerDatabase::Unindex(const PeerRecord& record) {
  by_score_.erase({record.score, record.address});
  auto it = by_country_.find(record.country);
  if (it == by_country_.end()) return;
  it->second.erase({record.score, record.address});
  if (it->second.empty()) by_country_.erase(it);
}

void PeerDatabase::CollectGood(const ScoreIndex& index, size_t n, int64_t now,
                               std::vector<const PeerRecord*>& out) const {
  size_t taken = 0;
  for (const auto& [score, address] : index) {
    if (taken == n || score < options_.score_threshold) break;
    const PeerRecord& record = records_.at(address);
    if (!GoodLocked(record, now)) continue;
    out.push_back(&record);
    ++taken;
  }
}

void PeerDatabase::Persist(const PeerRecord& record) {
  if (!peers_column_) return;
  if (auto put = peers_column_->Put(PeerKey(record.address), EncodePeerRecord(record),
                                    /*sync=*/false);
      !put) {
    LogWriteFailure("peer record write", put.error());
  }
}

void PeerDatabase::LogWriteFailure(std::string_view what, const storage::Error& error) {
  if (const auto suppressed = write_failure_log_.Allow()) {
    Log().error("{} failed: {} ({} similar lines suppressed)", what, error.Message(), *suppressed);
  }
}

void PeerDatabase::Erase(const wire::NetAddress& address) {
  auto it = records_.find(address);
  if (it == records_.end()) return;
  Unindex(it->second);
  records_.erase(it);
  addrman_->Remove(address);
  (void)addrman_->TakeChanged();
  if (!peers_column_) return;
  if (auto del = peers_column_->Delete(PeerKey(address), /*sync=*/false); !del) {
    LogWriteFailure("peer record delete", del.error());
  }
}

void PeerDatabase::PutBan(const BanEntry& ban) {
  // Bounded: at the cap, the ban that expires first makes room (an attacker with many addresses
  // earns many bans; memory must not follow).
  while (!bans_.contains(ban.subnet) && bans_.size() >= options_.max_bans) {
    auto first = std::min_element(bans_.begin(), bans_.end(), [](const auto& a, const auto& b) {
      return a.second.ban_until < b.second.ban_until;
    });
    if (bans_column_) (void)bans_column_->Delete(util::AsBytes(first->first.ToString()));
    bans_.erase(first);
  }
  bans_[ban.subnet] = ban;
  if (!bans_column_) return;
  if (auto put = bans_column_->Put(util::AsBytes(ban.subnet.ToString()), EncodeBanEntry(ban));
      !put) {
    LogWriteFailure("ban write", put.error());
  }
}

PeerRecord& PeerDatabase::FindOrAdd(const wire::NetAddress& address) {
  auto it = records_.find(address);
  if (it != records_.end()) return it->second;
  EnforceBound();
  PeerRecord record;
  record.address = address;
  record.first_seen = Now();
  Index(record);
  return records_.emplace(address, std::move(record)).first->second;
}

// Size bound: when full, drop the worst unbanned record: lowest score, then least recently
// seen. A linear scan, paid only when a new address arrives at a full database.
void PeerDatabase::EnforceBound() {
  if (records_.size() < options_.max_entries) return;
  PruneLocked();
  const int64_t now = Now();
  while (records_.size() >= options_.max_entries && !records_.empty()) {
    std::optional<wire::NetAddress> worst;
    for (auto it = by_score_.rbegin(); it != by_score_.rend() && !worst; ++it) {
      // Keep banned records: they carry the ban's counters.
      if (records_.at(it->second).ban_until <= now) worst = it->second;
    }
    Erase(worst.value_or(records_.begin()->first));
  }
}

size_t PeerDatabase::PruneLocked() {
  const int64_t now = Now();
  std::vector<wire::NetAddress> drop;
  for (const auto& [address, r] : records_) {
    if (r.ban_until > now) continue;
    const bool stale = r.successes == 0 && now - std::max(r.last_seen, r.first_seen) >
                                               options_.stale_after.count();
    const bool failing = r.successes == 0 && r.failures >= options_.max_failures_without_success;
    const bool terrible = r.score <= ScoreTable::kMin && r.violations > 0;
    if (stale || failing || terrible) drop.push_back(address);
  }
  for (const auto& address : drop) Erase(address);
  for (auto it = bans_.begin(); it != bans_.end();) {
    if (it->second.ban_until <= now) {
      if (bans_column_) (void)bans_column_->Delete(util::AsBytes(it->first.ToString()));
      it = bans_.erase(it);
    } else {
      ++it;
    }
  }
  return drop.size();
}

size_t PeerDatabase::Prune() {
  util::MutexLock lock(mutex_);
  return PruneLocked();
}

bool PeerDatabase::AddPeer(const wire::NetAddress& address, uint64_t services, int64_t seen,
                           const std::string& source_group) {
  util::MutexLock lock(mutex_);
  auto it = records_.find(address);
  if (it != records_.end()) {
    PeerRecord& r = it->second;
    const bool changed = (r.services | services) != r.services || seen > r.last_seen;
    r.services |= services;
    r.last_seen = std::max(r.last_seen, std::min(seen, Now()));
    if (address.port() != 0) addrman_->Add(address, source_group, r.last_seen, Now(), rng_);
    SyncTables();
    if (changed) Persist(r);
    return false;
  }
  PeerRecord& r = FindOrAdd(address);
  r.services = services;
  r.last_seen = std::min(seen, Now());
  r.source_group = source_group;
  if (address.port() != 0) addrman_->Add(address, source_group, r.last_seen, Now(), rng_);
  r.table = addrman_->TableOf(address);
  Persist(r);
  SyncTables();
  return true;
}

PeerDbResult<bool> PeerDatabase::AddPeer(std::string_view ip, uint16_t port, uint64_t services) {
  auto address = wire::NetAddress::Parse(ip, port);
  if (!address) return std::unexpected(PeerDbError::kBadAddress);
  return AddPeer(*address, services, Now());
}

double PeerDatabase::Event(const wire::NetAddress& address, const Mutate& mutate) {
  util::MutexLock lock(mutex_);
  PeerRecord& r = FindOrAdd(address);
  Unindex(r);
  mutate(r);
  r.score = Clamp(r.score);
  Index(r);
  Persist(r);
  return r.score;
}

double PeerDatabase::RecordConnectionAttempt(const wire::NetAddress& address) {
  {
    util::MutexLock lock(mutex_);
    addrman_->Attempt(address, Now());
  }
  return Event(address, [&](PeerRecord& r) {
    ++r.attempts;
    r.last_attempt = Now();
  });
}

// An outbound connection completed its handshake: the address moves to tried.
double PeerDatabase::RecordSuccessfulConnection(const wire::NetAddress& address) {
  const double score = Event(address, [&](PeerRecord& r) {
    ++r.successes;
    r.last_success = r.last_seen = Now();
    r.score += ScoreTable::kSuccessfulConnection;
  });
  util::MutexLock lock(mutex_);
  if (address.port() == 0) return score;
  if (addrman_->TableOf(address) == AddrTable::kNone) {
    addrman_->Add(address, {}, Now(), Now(), rng_);  // dialled from config, RPC or an anchor
  }
  (void)addrman_->Good(address, Now());
  SyncTables();
  return score;
}

void PeerDatabase::RecordConnectedTime(const wire::NetAddress& address, uint64_t seconds) {
  (void)Event(address, [&](PeerRecord& r) { r.connected_seconds += seconds; });
}

double PeerDatabase::RecordFailedConnection(const wire::NetAddress& address) {
  return Event(address, [&](PeerRecord& r) {
    ++r.failures;
    r.score += ScoreTable::kFailedConnection;
  });
}

double PeerDatabase::RecordBlockReceived(const wire::NetAddress& address) {
  return Event(address, [&](PeerRecord& r) {
    ++r.blocks;
    r.last_block = r.last_seen = Now();
    r.score += ScoreTable::kBlock;
  });
}

double PeerDatabase::RecordTxReceived(const wire::NetAddress& address) {
  return Event(address, [&](PeerRecord& r) {
    ++r.txs;
    r.last_tx = r.last_seen = Now();
    r.score += ScoreTable::kTransaction;
  });
}

double PeerDatabase::RecordInvalidMessage(const wire::NetAddress& address) {
  return Event(address, [&](PeerRecord& r) {
    ++r.invalid;
    r.score += ScoreTable::kInvalidMessage;
  });
}

double PeerDatabase::RecordProtocolViolation(const wire::NetAddress& address) {
  util::MutexLock lock(mutex_);
  PeerRecord& r = FindOrAdd(address);
  Unindex(r);
  ++r.violations;
  r.score = Clamp(r.score + ScoreTable::kProtocolViolation);
  Index(r);
  if (r.violations % ScoreTable::kViolationsPerBan == 0) {
    const int64_t now = Now();
    r.ban_until = now + options_.ban_duration.count();
    PutBan({Subnet(wire::NetAddress(address.ip(), 0)), now, r.ban_until,
            fmt::format("{} protocol violations", r.violations)});
    Log().info("banned {} until {} after {} protocol violations", address.HostString(),
               r.ban_until, r.violations);
  }
  Persist(r);
  return r.score;
}

double PeerDatabase::UpdateScore(const wire::NetAddress& address, double delta) {
  return Event(address, [&](PeerRecord& r) { r.score += delta; });
}

double PeerDatabase::RecordStall(const wire::NetAddress& address) {
  return Event(address, [&](PeerRecord& r) { r.score += ScoreTable::kStall; });
}

void PeerDatabase::RecordWrongChain(const wire::NetAddress& address) {
  Event(address, [&](PeerRecord& r) { r.wrong_chain_until = Now() + options_.wrong_chain_backoff.count(); });
}

void PeerDatabase::UpdateLastSeen(const wire::NetAddress& address) {
  Event(address, [&](PeerRecord& r) { r.last_seen = Now(); });
}

void PeerDatabase::SetPeerGeolocation(const wire::NetAddress& address, const std::string& country,
                                      const std::string& asn, double latitude, double longitude,
                                      const std::string& isp) {
  Event(address, [&](PeerRecord& r) {
    r.country = country;
    r.asn = asn;
    r.latitude = latitude;
    r.longitude = longitude;
    r.isp = isp;
  });
}

wire::NetAddress PeerDatabase::Canonical(const wire::NetAddress& address) const {
  util::MutexLock lock(mutex_);
  if (records_.contains(address)) return address;
  // Records of one IP are adjacent in the map (ordered by IP, then port).
  auto it = records_.lower_bound(wire::NetAddress(address.ip(), 0));
  if (it != records_.end() && it->first.ip() == address.ip()) return it->first;
  return wire::NetAddress(address.ip(), 0);
}

std::optional<PeerRecord> PeerDatabase::GetPeer(const wire::NetAddress& address) const {
  util::MutexLock lock(mutex_);
  auto it = records_.find(address);
  if (it == records_.end()) return std::nullopt;
  return it->second;
}

std::vector<PeerRecord> PeerDatabase::GetPeers(size_t n) const {
  util::MutexLock lock(mutex_);
  std::vector<const PeerRecord*> all;
  all.reserve(records_.size());
  for (const auto& [address, r] : records_) all.push_back(&r);
  const size_t take = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<ptrdiff_t>(take), all.end(),
                    [](const PeerRecord* a, const PeerRecord* b) {
                      return a->last_seen != b->last_seen ? a->last_seen > b->last_seen
                                                          : a->address < b->address;
                    });
  std::vector<PeerRecord> out;
  out.reserve(take);
  for (size_t i = 0; i < take; ++i) out.push_back(*all[i]);
  return out;
}

bool PeerDatabase::BannedLocked(const wire::NetAddress& address, int64_t now) const {
  for (const auto& [subnet, ban] : bans_) {
    if (ban.ban_until > now && subnet.Contains(address)) return true;
  }
  return false;
}

bool PeerDatabase::GoodLocked(const PeerRecord& r, int64_t now) const {
  return r.ban_until <= now && r.wrong_chain_until <= now && r.score >= options_.score_threshold &&
         (bans_.empty() || !BannedLocked(r.address, now));
}

std::vector<PeerRecord> PeerDatabase::GetGoodPeers(size_t n) const {
  util::MutexLock lock(mutex_);
  std::vector<const PeerRecord*> good;
  CollectGood(by_score_, n, Now(), good);
  std::vector<PeerRecord> out;
  out.reserve(good.size());
  for (const auto* r : good) out.push_back(*r);
  return out;
}

std::vector<PeerRecord> PeerDatabase::GetGeographicallyDiversePeers(size_t n) const {
  util::MutexLock lock(mutex_);
  const int64_t now = Now();
  // Each country's best n at most, best first (unknown country: one more group).
  std::vector<std::vector<const PeerRecord*>> groups;
  for (const auto& [country, index] : by_country_) {
    std::vector<const PeerRecord*> group;
    CollectGood(index, n, now, group);
    if (!group.empty()) groups.push_back(std::move(group));
  }
  // Round-robin; within a round, the better peer first.
  std::vector<PeerRecord> out;
  for (size_t round = 0; out.size() < n; ++round) {
    std::vector<const PeerRecord*> layer;
    for (const auto& group : groups) {
      if (round < group.size()) layer.push_back(group[round]);
    }
    if (layer.empty()) break;
    std::sort(layer.begin(), layer.end(),
              [](const PeerRecord* a, const PeerRecord* b) { return Better(*a, *b); });
    for (const auto* r : layer) {
      if (out.size() == n) break;
      out.push_back(*r);
    }
  }
  return out;
}

std::map<std::string, size_t> PeerDatabase::GetCountryDistribution() const {
  util::MutexLock lock(mutex_);
  std::map<std::string, size_t> out;
  for (const auto& [address, r] : records_) {
    if (!r.country.empty()) ++out[r.country];
  }
  return out;
}

size_t PeerDatabase::GetPeerCount() const {
  util::MutexLock lock(mutex_);
  return records_.size();
}

size_t PeerDatabase::GetBannedCount() const {
  util::MutexLock lock(mutex_);
  const int64_t now = Now();
  return static_cast<size_t>(std::count_if(bans_.begin(), bans_.end(), [&](const auto& entry) {
    return entry.second.ban_until > now;
  }));
}

PeerDatabase::Stats PeerDatabase::GetStats() const {
  util::MutexLock lock(mutex_);
  const int64_t now = Now();
  Stats stats;
  stats.peers = records_.size();
  double total = 0;
  for (const auto& [address, r] : records_) {
    total += r.score;
    stats.good += GoodLocked(r, now);
  }
  stats.average_score = records_.empty() ? 0 : total / static_cast<double>(records_.size());
  stats.new_table = addrman_->NewCount();
  stats.tried_table = addrman_->TriedCount();
  for (const auto& [subnet, ban] : bans_) stats.banned += ban.ban_until > now;
  return stats;
}

void PeerDatabase::Ban(const Subnet& subnet, std::optional<std::chrono::seconds> duration,
                       const std::string& reason) {
  util::MutexLock lock(mutex_);
  const int64_t now = Now();
  const int64_t until = now + duration.value_or(options_.ban_duration).count();
  PutBan({subnet, now, until, reason});
  for (auto& [address, r] : records_) {
    if (subnet.Contains(address)) {
      r.ban_until = until;
      Persist(r);
    }
  }
}

PeerDbResult<void> PeerDatabase::Ban(std::string_view ip_or_subnet,
                                     std::optional<std::chrono::seconds> duration) {
  auto subnet = Subnet::Parse(ip_or_subnet);
  if (!subnet) return std::unexpected(PeerDbError::kBadAddress);
  Ban(*subnet, duration);
  return {};
}

PeerDbResult<void> PeerDatabase::Unban(const Subnet& subnet) {
  util::MutexLock lock(mutex_);
  if (bans_.erase(subnet) == 0) return std::unexpected(PeerDbError::kNotFound);
  if (bans_column_) (void)bans_column_->Delete(util::AsBytes(subnet.ToString()));
  for (auto& [address, r] : records_) {
    if (r.ban_until != 0 && subnet.Contains(address)) {
      r.ban_until = 0;
      Persist(r);
    }
  }
  return {};
}

void PeerDatabase::ClearBans() {
  std::vector<Subnet> all;
  {
    util::MutexLock lock(mutex_);
    for (const auto& [subnet, ban] : bans_) all.push_back(subnet);
  }
  for (const auto& subnet : all) (void)Unban(subnet);
}

std::vector<BanEntry> PeerDatabase::ListBans() const {
  util::MutexLock lock(mutex_);
  const int64_t now = Now();
  std::vector<BanEntry> out;
  for (const auto& [subnet, ban] : bans_) {
    if (ban.ban_until > now) out.push_back(ban);
  }
  return out;
}

bool PeerDatabase::IsBanned(const wire::NetAddress& address) const {
  util::MutexLock lock(mutex_);
  return BannedLocked(address, Now());
}

bool PeerDatabase::IsWrongChain(const wire::NetAddress& address) const {
  util::MutexLock lock(mutex_);
  auto it = records_.find(address);
  return it != records_.end() && it->second.wrong_chain_until > Now();
}

// ---- Seed-document spelling: (ip text, port) ----

namespace {

template <class F>
auto WithAddress(std::string_view ip, uint16_t port, F&& f)
    -> PeerDbResult<decltype(f(std::declval<const wire::NetAddress&>()))> {
  auto address = wire::NetAddress::Parse(ip, port);
  if (!address) return std::unexpected(PeerDbError::kBadAddress);
  if constexpr (std::is_void_v<decltype(f(*address))>) {
    f(*address);
    return {};
  } else {
    return f(*address);
  }
}

}  // namespace

#define PARTHENON_PEERDB_EVENT(Name)                                                  \
  PeerDbResult<double> PeerDatabase::Name(std::string_view ip, uint16_t port) {        \
    return WithAddress(ip, port, [&](const wire::NetAddress& a) { return Name(a); }); \
  }
PARTHENON_PEERDB_EVENT(RecordConnectionAttempt)
PARTHENON_PEERDB_EVENT(RecordSuccessfulConnection)
PARTHENON_PEERDB_EVENT(RecordFailedConnection)
PARTHENON_PEERDB_EVENT(RecordBlockReceived)
PARTHENON_PEERDB_EVENT(RecordTxReceived)
PARTHENON_PEERDB_EVENT(RecordInvalidMessage)
PARTHENON_PEERDB_EVENT(RecordProtocolViolation)
#undef PARTHENON_PEERDB_EVENT

PeerDbResult<double> PeerDatabase::UpdateScore(std::string_view ip, uint16_t port, double delta) {
  return WithAddress(ip, port, [&](const wire::NetAddress& a) { return UpdateScore(a, delta); });
}

PeerDbResult<void> PeerDatabase::UpdateLastSeen(std::string_view ip, uint16_t port) {
  return WithAddress(ip, port, [&](const wire::NetAddress& a) { UpdateLastSeen(a); });
}

PeerDbResult<void> PeerDatabase::SetPeerGeolocation(std::string_view ip, uint16_t port,
                                                    const std::string& country,
                                                    const std::string& asn, double latitude,
                                                    double longitude, const std::string& isp) {
  return WithAddress(ip, port, [&](const wire::NetAddress& a) {
    SetPeerGeolocation(a, country, asn, latitude, longitude, isp);
  });
}

PeerDbResult<void> PeerDatabase::Unban(std::string_view ip_or_subnet) {
  auto subnet = Subnet::Parse(ip_or_subnet);
  if (!subnet) return std::unexpected(PeerDbError::kBadAddress);
  return Unban(*subnet);
}

bool PeerDatabase::IsBanned(std::string_view ip) const {
  auto address = wire::NetAddress::Parse(ip, 0);
  return address && IsBanned(*address);
}

}  // namespace parthenon::p2p
