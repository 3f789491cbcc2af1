// PeerDatabase: every peer address the node has heard of, how it behaved (scores and counters),
// and the IP/subnet bans. An in-memory index written through to the RocksDB `peers` and `bans`
// columns on every event (one record per address; see peer_record.h for the encoding), so a
// kill -9 loses nothing that a call has returned from. docs/peer-database.md has the scoring
// table, the ban rules and the size bound.
//
// Thread-safety: thread-safe; every method takes mutex_ (RocksDB writes happen under it, so the
// column always holds the latest version of each record). No callbacks, no blocking on peers.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "p2p/peerdb/addrman.h"
#include "p2p/peerdb/peer_record.h"
#include "p2p/peerdb/subnet.h"
#include "storage/database.h"
#include "util/clock.h"
#include "util/logging.h"
#include "util/mutex.h"

namespace parthenon::p2p {

enum class PeerDbError {
  kBadAddress,  // an address or subnet that does not parse
  kStorage,     // RocksDB failed (detail in the log)
  kIo,          // a TSV file could not be read or written
  kBadFormat,   // a TSV line that does not parse
  kNotFound,    // no such peer / ban
};
std::string_view ToString(PeerDbError error);
template <class T>
using PeerDbResult = std::expected<T, PeerDbError>;

// The scoring table (seed document 000 §2).
struct ScoreTable {
  static constexpr double kInitial = 50.0;
  static constexpr double kMin = 0.0;
  static constexpr double kMax = 100.0;
  static constexpr double kSuccessfulConnection = 5.0;
  static constexpr double kFailedConnection = -2.0;
  static constexpr double kBlock = 1.0;
  static constexpr double kTransaction = 0.1;
  static constexpr double kInvalidMessage = -5.0;
  static constexpr double kProtocolViolation = -10.0;
  // Not in the seed's table: a request not answered in time (a late block under load).
  static constexpr double kStall = -1.0;
  static constexpr uint64_t kViolationsPerBan = 5;
};

class PeerDatabase {
 public:
  struct Options {
    const util::Clock* clock = &util::RealClock();  // must outlive the database
    std::chrono::seconds ban_duration{24 * 3600};   // [peers] ban_duration
    double score_threshold = 25.0;                  // [peers] score_threshold
    // Size bound: above it the worst record is dropped (see Prune rule in the docs).
    size_t max_entries = 200'000;
    // Records never connected and not seen for this long are dropped at Open and by Prune().
    std::chrono::seconds stale_after{30 * 24 * 3600};
    // Records with this many failures and no success are dropped likewise.
    uint64_t max_failures_without_success = 10;
    // A peer found on another chain is not selected for outbound connections for this long.
    std::chrono::seconds wrong_chain_backoff{7 * 24 * 3600};
    // Ban entries kept at most; at the cap the one expiring first is dropped for a new one.
    size_t max_bans = 50'000;
    // The address manager's grouping (GroupOf); empty: NetGroup (/16, /32). The node passes
    // the AS from --asmap or --geoip-db ASN data, falling back to NetGroup.
    AddrMan::GroupFn group;
    // Seed of the table randomness (selection draws, slot multiplicity); nullopt: random.
    // The bucket secret is separate: persisted with the records (kSecretKey).
    std::optional<uint64_t> rng_seed;
  };
  // The `peers` key holding the address manager's per-node secret (never 18 bytes long, so it
  // cannot collide with a record key).
  static constexpr std::string_view kSecretKey = "addrman-secret";

  struct Stats {
    size_t peers = 0;
    size_t banned = 0;        // ban entries in force (IPs and subnets)
    size_t good = 0;          // not banned, score >= threshold
    double average_score = 0;
    size_t new_table = 0;     // addresses in the address manager's new table
    size_t tried_table = 0;   // ... and in its tried table
  };

  PeerDatabase();
  explicit PeerDatabase(Options options);
  ~PeerDatabase();
  PeerDatabase(const PeerDatabase&) = delete;
  PeerDatabase& operator=(const PeerDatabase&) = delete;

  // Loads and from then on writes through to the given columns (the node passes
  // chainstate.Column(kPeers) and Column(kBans)). Undecodable records are dropped with a warning.
  [[nodiscard]] PeerDbResult<void> Open(storage::ColumnHandle peers, storage::ColumnHandle bans)
      EXCLUDES(mutex_);
  // Seed API: opens (creates) a RocksDB database of its own at `path` and uses its columns.
  [[nodiscard]] PeerDbResult<void> Open(const std::filesystem::path& path) EXCLUDES(mutex_);
  // Stops writing through and forgets everything in memory (the columns keep it).
  void Close() EXCLUDES(mutex_);

  // Adds the address if unknown (false if it was known: then only services are merged and
  // last_seen raised to `seen`). `source_group`: netgroup of the peer that gossiped it.
  bool AddPeer(const wire::NetAddress& address, uint64_t services, int64_t seen = 0,
               const std::string& source_group = {}) EXCLUDES(mutex_);
  [[nodiscard]] PeerDbResult<bool> AddPeer(std::string_view ip, uint16_t port, uint64_t services)
      EXCLUDES(mutex_);

  // Events. An unknown address is added first. Each returns the record's new score.
  double RecordConnectionAttempt(const wire::NetAddress& address) EXCLUDES(mutex_);
  double RecordSuccessfulConnection(const wire::NetAddress& address) EXCLUDES(mutex_);
  double RecordFailedConnection(const wire::NetAddress& address) EXCLUDES(mutex_);
  double RecordBlockReceived(const wire::NetAddress& address) EXCLUDES(mutex_);
  double RecordTxReceived(const wire::NetAddress& address) EXCLUDES(mutex_);
  double RecordInvalidMessage(const wire::NetAddress& address) EXCLUDES(mutex_);
  // Every kViolationsPerBan-th violation (the 5th, 10th, ...) bans the IP for ban_duration.
  double RecordProtocolViolation(const wire::NetAddress& address) EXCLUDES(mutex_);
  // A request the peer did not answer in time: ScoreTable::kStall (no violation).
  double RecordStall(const wire::NetAddress& address) EXCLUDES(mutex_);
  // A connection with it lasted `seconds` (added to connected_seconds; no score change).
  void RecordConnectedTime(const wire::NetAddress& address, uint64_t seconds) EXCLUDES(mutex_);
  // The peer follows another chain: not selected for outbound links for wrong_chain_backoff.
  void RecordWrongChain(const wire::NetAddress& address) EXCLUDES(mutex_);
  // True while a wrong-chain mark is in force for this exact address.
  bool IsWrongChain(const wire::NetAddress& address) const EXCLUDES(mutex_);
  // Adds `delta` (clamped to [0, 100]).
  double UpdateScore(const wire::NetAddress& address, double delta) EXCLUDES(mutex_);
  void UpdateLastSeen(const wire::NetAddress& address) EXCLUDES(mutex_);
  void SetPeerGeolocation(const wire::NetAddress& address, const std::string& country,
                          const std::string& asn, double latitude, double longitude,
                          const std::string& isp) EXCLUDES(mutex_);

  // Seed-document spelling of the events: (ip text, port). kBadAddress if the IP does not parse.
  [[nodiscard]] PeerDbResult<double> RecordConnectionAttempt(std::string_view ip, uint16_t port);
  [[nodiscard]] PeerDbResult<double> RecordSuccessfulConnection(std::string_view ip, uint16_t port);
  [[nodiscard]] PeerDbResult<double> RecordFailedConnection(std::string_view ip, uint16_t port);
  [[nodiscard]] PeerDbResult<double> RecordBlockReceived(std::string_view ip, uint16_t port);
  [[nodiscard]] PeerDbResult<double> RecordTxReceived(std::string_view ip, uint16_t port);
  [[nodiscard]] PeerDbResult<double> RecordInvalidMessage(std::string_view ip, uint16_t port);
  [[nodiscard]] PeerDbResult<double> RecordProtocolViolation(std::string_view ip, uint16_t port);
  [[nodiscard]] PeerDbResult<double> UpdateScore(std::string_view ip, uint16_t port, double delta);
  [[nodiscard]] PeerDbResult<void> UpdateLastSeen(std::string_view ip, uint16_t port);
  [[nodiscard]] PeerDbResult<void> SetPeerGeolocation(std::string_view ip, uint16_t port,
                                                      const std::string& country,
                                                      const std::string& asn, double latitude,
                                                      double longitude, const std::string& isp);

  // The record to charge for a live connection's events: the exact ip:port if known, else any
  // record with the same IP, else (ip, port 0) — so inbound peers' ephemeral ports never become
  // dialable entries.
  wire::NetAddress Canonical(const wire::NetAddress& address) const EXCLUDES(mutex_);

  std::optional<PeerRecord> GetPeer(const wire::NetAddress& address) const EXCLUDES(mutex_);
  // Up to n records, most recently seen first.
  std::vector<PeerRecord> GetPeers(size_t n) const EXCLUDES(mutex_);
  // Up to n records neither banned nor below score_threshold, best score first.
  std::vector<PeerRecord> GetGoodPeers(size_t n) const EXCLUDES(mutex_);
  // Good peers, round-robin over countries (each country's peers by score; unknown country is
  // one more group).
  std::vector<PeerRecord> GetGeographicallyDiversePeers(size_t n) const EXCLUDES(mutex_);
  std::map<std::string, size_t> GetCountryDistribution() const EXCLUDES(mutex_);
  size_t GetPeerCount() const EXCLUDES(mutex_);
  size_t GetBannedCount() const EXCLUDES(mutex_);
  Stats GetStats() const EXCLUDES(mutex_);

  // Bans an IP or subnet until now + duration (default ban_duration).
  void Ban(const Subnet& subnet, std::optional<std::chrono::seconds> duration = std::nullopt,
           const std::string& reason = "manual") EXCLUDES(mutex_);
  [[nodiscard]] PeerDbResult<void> Ban(std::string_view ip_or_subnet,
                                       std::optional<std::chrono::seconds> duration = std::nullopt)
      EXCLUDES(mutex_);
  // Removes the exact ban entry (and clears ban_until of the records it covers).
  [[nodiscard]] PeerDbResult<void> Unban(const Subnet& subnet) EXCLUDES(mutex_);
  [[nodiscard]] PeerDbResult<void> Unban(std::string_view ip_or_subnet) EXCLUDES(mutex_);
  void ClearBans() EXCLUDES(mutex_);
  // Bans in force (expired ones are dropped on the way).
  std::vector<BanEntry> ListBans() const EXCLUDES(mutex_);
  // True while a ban in force covers the IP (any port).
  bool IsBanned(const wire::NetAddress& address) const EXCLUDES(mutex_);
  // false for text that is not an IP.
  bool IsBanned(std::string_view ip) const EXCLUDES(mutex_);

  // Drops stale and failing records and expired bans; returns how many records were dropped.
  size_t Prune() EXCLUDES(mutex_);

  // The seed document's tab-separated format (header line starting with '#').
  [[nodiscard]] PeerDbResult<size_t> ExportTsv(const std::filesystem::path& path) const
      EXCLUDES(mutex_);
  // Merges the file: an address's record is replaced by the file's. Returns lines loaded.
  [[nodiscard]] PeerDbResult<size_t> ImportTsv(const std::filesystem::path& path) EXCLUDES(mutex_);

  // ---- Address manager (addrman.h) ----
  // The group the tables and outbound diversity use for `address`. Thread-safe, lock-free.
  std::string GroupOf(const wire::NetAddress& address) const;
  // `draws` addresses drawn from the tables with Core's tried/new bias (new only if
  // `new_only`); duplicates removed. Empty when the tables are.
  std::vector<wire::NetAddress> DrawAddresses(size_t draws, bool new_only) EXCLUDES(mutex_);
  // For a feeler: the tried occupant of a queued collision, if any.
  std::optional<wire::NetAddress> CollisionToTest() EXCLUDES(mutex_);
  // Settles queued tried-table collisions (AddrMan::ResolveCollisions).
  size_t ResolveCollisions() EXCLUDES(mutex_);
  AddrTable TableOf(const wire::NetAddress& address) const EXCLUDES(mutex_);

  const Options& options() const { return options_; }

 private:
  using Mutate = std::function<void(PeerRecord&)>;
  double Event(const wire::NetAddress& address, const Mutate& mutate) EXCLUDES(mutex_);
  PeerRecord& FindOrAdd(const wire::NetAddress& address) REQUIRES(mutex_);
  void Persist(const PeerRecord& record) REQUIRES(mutex_);
  void Erase(const wire::NetAddress& address) REQUIRES(mutex_);
  void PutBan(const BanEntry& ban) REQUIRES(mutex_);
  bool BannedLocked(const wire::NetAddress& address, int64_t now) const REQUIRES(mutex_);
  bool GoodLocked(const PeerRecord& record, int64_t now) const REQUIRES(mutex_);
  void EnforceBound() REQUIRES(mutex_);
  size_t PruneLocked() REQUIRES(mutex_);
  int64_t Now() const { return options_.clock->UnixSeconds(); }
  // Logs a failed record or ban write; peers trigger writes, so the line is rate-limited.
  void LogWriteFailure(std::string_view what, const storage::Error& error);
  // Writes the table of every record the address manager moved since the last call.
  void SyncTables() REQUIRES(mutex_);
  // Loads (or creates and stores) the secret and rebuilds the tables from records_.
  void RebuildTables() REQUIRES(mutex_);

  // Constant after construction.
  const Options options_;
  // A full disk fails every write: one line per 5 s (after a burst of 3), with a count.
  util::LogRateLimiter write_failure_log_{0.2, 3};

  mutable util::Mutex mutex_;
  std::unique_ptr<storage::Database> own_db_ GUARDED_BY(mutex_);  // Open(path) only
  std::optional<storage::ColumnHandle> peers_column_ GUARDED_BY(mutex_);
  std::optional<storage::ColumnHandle> bans_column_ GUARDED_BY(mutex_);
  // Best first: score descending, then address (a total order).
  using ScoreKey = std::pair<double, wire::NetAddress>;
  struct BestFirst {
    bool operator()(const ScoreKey& a, const ScoreKey& b) const {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    }
  };
  using ScoreIndex = std::set<ScoreKey, BestFirst>;
  void Index(const PeerRecord& record) REQUIRES(mutex_);
  void Unindex(const PeerRecord& record) REQUIRES(mutex_);
  // Appends up to n good records of `index` to `out`, best first.
  void CollectGood(const ScoreIndex& index, size_t n, int64_t now,
                   std::vector<const PeerRecord*>& out) const REQUIRES(mutex_);

  std::map<wire::NetAddress, PeerRecord> records_ GUARDED_BY(mutex_);
  // Secondary indexes over records_, kept in step by Index/Unindex around every change of a
  // record's score or country.
  ScoreIndex by_score_ GUARDED_BY(mutex_);
  std::map<std::string, ScoreIndex> by_country_ GUARDED_BY(mutex_);
  std::map<Subnet, BanEntry> bans_ GUARDED_BY(mutex_);
  AddrMan::Rng rng_ GUARDED_BY(mutex_);
  std::unique_ptr<AddrMan> addrman_ GUARDED_BY(mutex_);  // never null
};

}  // namespace parthenon::p2p
