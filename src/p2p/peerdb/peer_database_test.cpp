#include "p2p/peerdb/peer_database.h"

#include <gtest/gtest.h>

#include <map>

#include <filesystem>
#include <fstream>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "p2p/peerdb/peer_db_policy.h"

namespace parthenon::p2p {
namespace {

using namespace std::chrono_literals;

wire::NetAddress Ip(std::string_view text, uint16_t port = 8333) {
  return *wire::NetAddress::Parse(text, port);
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("peerdb-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

class PeerDatabaseTest : public ::testing::Test {
 protected:
  PeerDatabase::Options Opts() {
    PeerDatabase::Options options;
    options.clock = &clock_;
    return options;
  }
  util::ManualClock clock_;
};

TEST_F(PeerDatabaseTest, ScoringTableEventByEvent) {
  PeerDatabase db(Opts());
  const auto a = Ip("10.0.0.1");
  EXPECT_TRUE(db.AddPeer(a, 1));
  EXPECT_FALSE(db.AddPeer(a, 8));
  EXPECT_DOUBLE_EQ(db.GetPeer(a)->score, 50.0);
  EXPECT_EQ(db.GetPeer(a)->services, 9u);
  EXPECT_DOUBLE_EQ(db.RecordConnectionAttempt(a), 50.0);
  EXPECT_DOUBLE_EQ(db.RecordSuccessfulConnection(a), 55.0);
  EXPECT_DOUBLE_EQ(db.RecordFailedConnection(a), 53.0);
  EXPECT_DOUBLE_EQ(db.RecordBlockReceived(a), 54.0);
  EXPECT_DOUBLE_EQ(db.RecordTxReceived(a), 54.1);
  EXPECT_DOUBLE_EQ(db.RecordInvalidMessage(a), 49.1);
  EXPECT_DOUBLE_EQ(db.RecordProtocolViolation(a), 39.1);
  EXPECT_DOUBLE_EQ(db.UpdateScore(a, 2.5), 41.6);
  EXPECT_DOUBLE_EQ(db.UpdateScore(a, 1000), 100.0);  // clamped
  EXPECT_DOUBLE_EQ(db.UpdateScore(a, -1000), 0.0);
  const auto r = *db.GetPeer(a);
  EXPECT_EQ(r.attempts, 1u);
  EXPECT_EQ(r.successes, 1u);
  EXPECT_EQ(r.failures, 1u);
  EXPECT_EQ(r.blocks, 1u);
  EXPECT_EQ(r.txs, 1u);
  EXPECT_EQ(r.invalid, 1u);
  EXPECT_EQ(r.violations, 1u);
  EXPECT_FALSE(db.IsBanned(a));
}

TEST_F(PeerDatabaseTest, SeedDocumentSpelling) {
  PeerDatabase db(Opts());
  ASSERT_TRUE(db.AddPeer("192.168.1.100", 8333, 1));
  EXPECT_DOUBLE_EQ(db.RecordBlockReceived("192.168.1.100", 8333).value(), 51.0);
  EXPECT_DOUBLE_EQ(db.RecordTxReceived("192.168.1.100", 8333).value(), 51.1);
  EXPECT_DOUBLE_EQ(db.RecordInvalidMessage("192.168.1.101", 8333).value(), 45.0);
  EXPECT_DOUBLE_EQ(db.RecordProtocolViolation("192.168.1.102", 8333).value(), 40.0);
  EXPECT_DOUBLE_EQ(db.UpdateScore("192.168.1.100", 8333, 2.5).value(), 53.6);
  EXPECT_EQ(db.RecordConnectionAttempt("not an ip", 8333).error(), PeerDbError::kBadAddress);
  ASSERT_TRUE(db.SetPeerGeolocation("192.168.1.100", 8333, "US", "AS15169", 37.4, -122.1,
                                    "Google"));
  EXPECT_EQ(db.GetCountryDistribution().at("US"), 1u);
  const auto best = db.GetGoodPeers(1);
  ASSERT_EQ(best.size(), 1u);
  EXPECT_EQ(best[0].address.HostString(), "192.168.1.100");
  ASSERT_TRUE(db.Ban("192.168.1.0/24"));
  EXPECT_TRUE(db.IsBanned("192.168.1.7"));
  ASSERT_TRUE(db.Unban("192.168.1.0/24"));
  EXPECT_FALSE(db.IsBanned("192.168.1.7"));
}

TEST_F(PeerDatabaseTest, FifthViolationBansForBanDurationThenExpires) {
  auto options = Opts();
  options.ban_duration = 3600s;
  PeerDatabase db(options);
  const auto a = Ip("10.0.0.1");
  for (int i = 1; i <= 4; ++i) {
    db.RecordProtocolViolation(a);
    EXPECT_FALSE(db.IsBanned(a)) << i;
  }
  db.RecordProtocolViolation(a);
  EXPECT_TRUE(db.IsBanned(a));
  EXPECT_TRUE(db.IsBanned(Ip("10.0.0.1", 1234)));  // the IP, any port
  EXPECT_FALSE(db.IsBanned(Ip("10.0.0.2")));
  EXPECT_EQ(db.GetBannedCount(), 1u);
  EXPECT_TRUE(db.GetGoodPeers(10).empty());
  clock_.Advance(3599s);
  EXPECT_TRUE(db.IsBanned(a));
  clock_.Advance(1s);
  EXPECT_FALSE(db.IsBanned(a));
  EXPECT_EQ(db.GetBannedCount(), 0u);
}

TEST_F(PeerDatabaseTest, SubnetBansUnbanAndClear) {
  PeerDatabase db(Opts());
  ASSERT_TRUE(db.Ban("10.1.0.0/16", 60s));
  EXPECT_TRUE(db.IsBanned(Ip("10.1.2.3")));
  EXPECT_FALSE(db.IsBanned(Ip("10.2.2.3")));
  EXPECT_EQ(db.Ban("nonsense").error(), PeerDbError::kBadAddress);
  ASSERT_TRUE(db.Ban("2001:db8::/32"));
  EXPECT_TRUE(db.IsBanned(Ip("2001:db8::5")));
  EXPECT_EQ(db.ListBans().size(), 2u);
  ASSERT_TRUE(db.Unban(*Subnet::Parse("10.1.0.0/16")));
  EXPECT_FALSE(db.IsBanned(Ip("10.1.2.3")));
  EXPECT_EQ(db.Unban(*Subnet::Parse("10.1.0.0/16")).error(), PeerDbError::kNotFound);
  db.ClearBans();
  EXPECT_EQ(db.GetBannedCount(), 0u);
}

TEST_F(PeerDatabaseTest, GoodPeersDropBannedAndLowScoresSortedByScore) {
  PeerDatabase db(Opts());
  db.AddPeer(Ip("10.0.0.1"), 1);                   // 50
  db.RecordSuccessfulConnection(Ip("10.0.0.2"));  // 55
  db.UpdateScore(Ip("10.0.0.3"), -26);            // 24: below threshold
  db.AddPeer(Ip("10.0.0.4"), 1);
  db.Ban(Subnet(Ip("10.0.0.4")));
  const auto good = db.GetGoodPeers(10);
  ASSERT_EQ(good.size(), 2u);
  EXPECT_EQ(good[0].address, Ip("10.0.0.2"));
  EXPECT_EQ(good[1].address, Ip("10.0.0.1"));
  EXPECT_EQ(db.GetGoodPeers(1).size(), 1u);
  EXPECT_EQ(db.GetPeerCount(), 4u);
}

// The address manager's tables and secret live in the `peers` column: after a restart every
// address is in the table it was in, and draws still find them.
TEST_F(PeerDatabaseTest, AddressTablesAndSecretPersistAcrossRestart) {
  TempDir dir;
  std::map<wire::NetAddress, AddrTable> before;
  {
    PeerDatabase db(Opts());
    ASSERT_TRUE(db.Open(dir.path()));
    for (int i = 1; i <= 40; ++i) {
      const auto address = Ip("10." + std::to_string(i) + ".0.1");
      db.AddPeer(address, 1, clock_.UnixSeconds(), "4:99." + std::to_string(i % 5));
      if (i % 4 == 0) db.RecordSuccessfulConnection(address);
    }
    db.RecordInvalidMessage(Ip("10.200.0.1", 0));  // scored only: port 0 is never dialable
    for (const auto& record : db.GetPeers(1000)) before[record.address] = db.TableOf(record.address);
    EXPECT_EQ(db.GetStats().tried_table, 10u);
    EXPECT_EQ(db.GetStats().new_table, 30u);
  }
  const auto secret = [&] {
    auto raw = storage::Database::Open({.path = dir.path()});
    EXPECT_TRUE(raw);
    auto value = (*raw)->Get(storage::Column::kPeers, util::AsBytes(PeerDatabase::kSecretKey));
    EXPECT_TRUE(value && *value);
    return value && *value ? **value : util::Bytes{};
  };
  const auto secret_before = secret();
  EXPECT_EQ(secret_before.size(), 32u);
  {
    PeerDatabase db(Opts());
    ASSERT_TRUE(db.Open(dir.path()));
    for (const auto& [address, table] : before) {
      EXPECT_EQ(db.TableOf(address), table) << address.ToString();
      EXPECT_EQ(db.GetPeer(address)->table, table);
    }
    EXPECT_EQ(db.TableOf(Ip("10.200.0.1", 0)), AddrTable::kNone);
    EXPECT_EQ(db.GetStats().tried_table, 10u);
    EXPECT_EQ(db.GetStats().new_table, 30u);
    const auto drawn = db.DrawAddresses(20, /*new_only=*/true);
    EXPECT_FALSE(drawn.empty());
    for (const auto& address : drawn) EXPECT_EQ(db.TableOf(address), AddrTable::kNew);
  }
  EXPECT_EQ(secret(), secret_before);  // reused, not redrawn
}

TEST_F(PeerDatabaseTest, PersistsAcrossRestart) {
  TempDir dir;
  const auto a = Ip("10.0.0.1");
  const auto b = Ip("10.0.0.2");
  PeerRecord before;
  {
    PeerDatabase db(Opts());
    ASSERT_TRUE(db.Open(dir.path()));
    db.AddPeer(a, 9);
    db.RecordSuccessfulConnection(a);
    db.RecordBlockReceived(a);
    db.RecordTxReceived(a);
    db.SetPeerGeolocation(a, "DE", "AS3320", 52.5, 13.4, "Telekom");
    for (int i = 0; i < 5; ++i) db.RecordProtocolViolation(b);
    ASSERT_TRUE(db.Ban("192.168.0.0/24", 7200s));
    before = *db.GetPeer(a);
    // No Close(): the destructor's Close only forgets memory; every event was written through.
  }
  PeerDatabase db(Opts());
  ASSERT_TRUE(db.Open(dir.path()));
  EXPECT_EQ(db.GetPeerCount(), 2u);
  EXPECT_EQ(db.GetPeer(a), before);
  EXPECT_EQ(db.GetPeer(a)->last_seen, clock_.UnixSeconds());
  EXPECT_EQ(db.GetPeer(b)->violations, 5u);
  EXPECT_TRUE(db.IsBanned(b));
  EXPECT_TRUE(db.IsBanned(Ip("192.168.0.77")));
  EXPECT_EQ(db.GetBannedCount(), 2u);
  EXPECT_EQ(db.GetCountryDistribution(), (std::map<std::string, size_t>{{"DE", 1}}));
}

TEST_F(PeerDatabaseTest, EveryEventSurvivesKillDashNine) {
  TempDir dir;
  const auto a = Ip("10.0.0.1");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child records events and dies without closing anything.
    PeerDatabase db(Opts());
    if (!db.Open(dir.path())) ::_exit(1);
    db.RecordSuccessfulConnection(a);
    for (int i = 0; i < 5; ++i) db.RecordProtocolViolation(a);
    db.RecordTxReceived(a);
    ::kill(::getpid(), SIGKILL);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  PeerDatabase db(Opts());
  ASSERT_TRUE(db.Open(dir.path()));
  const auto r = db.GetPeer(a);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->successes, 1u);
  EXPECT_EQ(r->violations, 5u);
  EXPECT_EQ(r->txs, 1u);
  EXPECT_DOUBLE_EQ(r->score, 5.1);
  EXPECT_TRUE(db.IsBanned(a));
}

TEST_F(PeerDatabaseTest, ExpiredBansAreDroppedOnOpen) {
  TempDir dir;
  {
    PeerDatabase db(Opts());
    ASSERT_TRUE(db.Open(dir.path()));
    ASSERT_TRUE(db.Ban("10.0.0.1", 10s));
  }
  clock_.Advance(11s);
  PeerDatabase db(Opts());
  ASSERT_TRUE(db.Open(dir.path()));
  EXPECT_TRUE(db.ListBans().empty());
  EXPECT_FALSE(db.IsBanned(Ip("10.0.0.1")));
}

TEST_F(PeerDatabaseTest, TsvExportImportRoundTrip) {
  TempDir dir;
  std::filesystem::create_directories(dir.path());
  const auto file = dir.path() / "peers.tsv";
  PeerDatabase db(Opts());
  db.AddPeer(Ip("192.168.1.100"), 1);
  db.RecordConnectionAttempt(Ip("192.168.1.100"));
  db.RecordSuccessfulConnection(Ip("192.168.1.100"));
  db.RecordTxReceived(Ip("192.168.1.100"));
  db.RecordInvalidMessage(Ip("2001:db8::1", 18444));
  for (int i = 0; i < 5; ++i) db.RecordProtocolViolation(Ip("10.9.9.9"));
  auto written = db.ExportTsv(file);
  ASSERT_TRUE(written);
  EXPECT_EQ(*written, 3u);
  std::ifstream in(file);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header.rfind("# key\taddress\tport\tservices", 0), 0u) << header;

  PeerDatabase copy(Opts());
  auto loaded = copy.ImportTsv(file);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(*loaded, 3u);
  // Imported addresses are selectable: they join the new table.
  EXPECT_EQ(copy.TableOf(Ip("192.168.1.100")), AddrTable::kNew);
  EXPECT_EQ(copy.GetPeer(Ip("192.168.1.100"))->table, AddrTable::kNew);
  for (const auto& r : db.GetPeers(10)) {
    auto c = copy.GetPeer(r.address);
    ASSERT_TRUE(c) << r.address.ToString();
    EXPECT_EQ(c->services, r.services);
    EXPECT_EQ(c->last_seen, r.last_seen);
    EXPECT_EQ(c->first_seen, r.first_seen);
    EXPECT_EQ(c->attempts, r.attempts);
    EXPECT_EQ(c->successes, r.successes);
    EXPECT_EQ(c->failures, r.failures);
    EXPECT_EQ(c->ban_until, r.ban_until);
    EXPECT_DOUBLE_EQ(c->score, r.score);
    EXPECT_EQ(c->blocks, r.blocks);
    EXPECT_EQ(c->txs, r.txs);
    EXPECT_EQ(c->invalid, r.invalid);
    EXPECT_EQ(c->violations, r.violations);
  }
  EXPECT_TRUE(copy.IsBanned(Ip("10.9.9.9")));

  std::ofstream(dir.path() / "bad.tsv") << "1.2.3.4:1\t1.2.3.4\tnot-a-port\n";
  EXPECT_EQ(copy.ImportTsv(dir.path() / "bad.tsv").error(), PeerDbError::kBadFormat);
  EXPECT_EQ(copy.ImportTsv(dir.path() / "missing.tsv").error(), PeerDbError::kIo);
}

TEST_F(PeerDatabaseTest, SizeBoundDropsTheWorstAndPruneDropsFailing) {
  auto options = Opts();
  options.max_entries = 3;
  PeerDatabase db(options);
  db.AddPeer(Ip("10.0.0.1"), 1);
  db.UpdateScore(Ip("10.0.0.2"), -20);  // the worst
  db.RecordSuccessfulConnection(Ip("10.0.0.3"));
  db.AddPeer(Ip("10.0.0.4"), 1);
  EXPECT_EQ(db.GetPeerCount(), 3u);
  EXPECT_FALSE(db.GetPeer(Ip("10.0.0.2")));
  for (int i = 0; i < 10; ++i) db.RecordFailedConnection(Ip("10.0.0.4"));
  EXPECT_EQ(db.Prune(), 1u);
  EXPECT_FALSE(db.GetPeer(Ip("10.0.0.4")));
  clock_.Advance(31 * 24h);
  EXPECT_EQ(db.Prune(), 1u);  // 10.0.0.1: never connected, not seen for 31 days
  EXPECT_TRUE(db.GetPeer(Ip("10.0.0.3")));
}

TEST_F(PeerDatabaseTest, GeographicallyDiverseRoundRobinsOverCountries) {
  PeerDatabase db(Opts());
  for (int i = 0; i < 5; ++i) {
    const auto a = Ip("10.0.0." + std::to_string(i + 1));
    db.UpdateScore(a, 10 + i);
    db.SetPeerGeolocation(a, "US", "", 0, 0, "");
  }
  db.SetPeerGeolocation(Ip("10.1.0.1"), "DE", "", 0, 0, "");
  db.SetPeerGeolocation(Ip("10.2.0.1"), "JP", "", 0, 0, "");
  const auto diverse = db.GetGeographicallyDiversePeers(3);
  ASSERT_EQ(diverse.size(), 3u);
  std::set<std::string> countries;
  for (const auto& r : diverse) countries.insert(r.country);
  EXPECT_EQ(countries, (std::set<std::string>{"US", "DE", "JP"}));
  EXPECT_EQ(diverse[0].address, Ip("10.0.0.5"));  // best of the first round
  EXPECT_EQ(db.GetCountryDistribution().at("US"), 5u);
}

TEST_F(PeerDatabaseTest, PolicyDiscouragesThenBansAtTheFifthViolation) {
  PeerDatabase db(Opts());
  PeerDbStore store(db);
  PeerPolicy policy({.store = &store, .whitelist = {"10.9.0.0/16"}});
  const auto inbound = Ip("10.0.0.1", 54321);  // ephemeral port: charged to 10.0.0.1:0
  const Misbehavior bad{MisbehaviorKind::kInvalidBlock};
  for (PeerId id = 1; id <= 4; ++id) {
    EXPECT_EQ(policy.Judge({.id = id, .address = inbound}, bad).verdict, Verdict::kDiscourage);
  }
  EXPECT_EQ(policy.Judge({.id = 5, .address = inbound}, bad).verdict, Verdict::kBan);
  EXPECT_TRUE(policy.IsBanned(Ip("10.0.0.1", 1)));
  EXPECT_EQ(db.GetPeer(Ip("10.0.0.1", 0))->violations, 5u);
  for (PeerId id = 10; id < 20; ++id) {
    EXPECT_EQ(policy.Judge({.id = id, .address = Ip("10.9.1.1")}, bad).verdict,
              Verdict::kDisconnect);
  }
  EXPECT_FALSE(policy.IsBanned(Ip("10.9.1.1")));
  // Honest oddities never reach the database.
  for (PeerId id = 30; id < 40; ++id) {
    EXPECT_EQ(policy.Judge({.id = id, .address = Ip("10.0.0.2")},
                           {.kind = MisbehaviorKind::kUnexpectedMessage})
                  .verdict,
              Verdict::kIgnore);
  }
  EXPECT_FALSE(db.GetPeer(Ip("10.0.0.2", 0)).has_value());
}

TEST_F(PeerDatabaseTest, WrongChainMarkSurvivesReopenAndStallsCostALittle) {
  TempDir dir;
  {
    PeerDatabase db(Opts());
    ASSERT_TRUE(db.Open(dir.path()));
    PeerDbStore store(db);
    db.AddPeer(Ip("10.0.0.7"), 1);  // as dialled: the exact record is charged
    db.AddPeer(Ip("10.0.0.8"), 1);
    store.RecordWrongChain(Ip("10.0.0.7"));
    store.RecordStall(Ip("10.0.0.8"));
    EXPECT_TRUE(db.IsWrongChain(Ip("10.0.0.7")));
    EXPECT_DOUBLE_EQ(db.GetPeer(Ip("10.0.0.8"))->score, ScoreTable::kInitial + ScoreTable::kStall);
    EXPECT_EQ(db.GetPeer(Ip("10.0.0.8"))->violations, 0u);
    // A wrong-chain peer is not good (not selected for outbound links).
    for (const auto& good : db.GetGoodPeers(10)) EXPECT_NE(good.address, Ip("10.0.0.7"));
  }
  PeerDatabase reopened(Opts());
  ASSERT_TRUE(reopened.Open(dir.path()));
  EXPECT_TRUE(reopened.IsWrongChain(Ip("10.0.0.7")));
}

TEST_F(PeerDatabaseTest, BanTableIsBoundedAndTheFirstToExpireMakesRoom) {
  auto options = Opts();
  options.max_bans = 3;
  PeerDatabase db(options);
  for (int i = 1; i <= 5; ++i) {
    db.Ban(*Subnet::Parse("10.0.0." + std::to_string(i)), std::chrono::seconds(1000 * i));
  }
  EXPECT_EQ(db.GetBannedCount(), 3u);
  EXPECT_FALSE(db.IsBanned(Ip("10.0.0.1")));
  EXPECT_FALSE(db.IsBanned(Ip("10.0.0.2")));
  EXPECT_TRUE(db.IsBanned(Ip("10.0.0.5")));
}

}  // namespace
}  // namespace parthenon::p2p
