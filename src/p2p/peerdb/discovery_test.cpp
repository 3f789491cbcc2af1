#include "p2p/peerdb/discovery.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

#include "util/logging.h"

namespace parthenon::p2p {
namespace {

using namespace std::chrono_literals;

wire::Addr ManyAddresses(int first, int count, uint32_t time) {
  wire::Addr addr;
  for (int i = first; i < first + count; ++i) {
    addr.entries.push_back(
        {time, {1, wire::NetAddress::FromIPv4({10, static_cast<uint8_t>(i / 250),
                                               static_cast<uint8_t>(i % 250), 1},
                                              8333)}});
  }
  return addr;
}

TEST(DiscoveryTest, AddrProcessingIsRateLimitedPerPeer) {
  util::ManualClock clock;
  PeerDatabase db({.clock = &clock});
  // Not attached: nothing is sent. Private 10/8 entries: a local (regtest) scope.
  Discovery discovery(db, {.scope = AddressScope::kLocal, .clock = &clock});
  PeerInfo peer;
  peer.id = 7;
  peer.address = *wire::NetAddress::Parse("192.0.2.1", 5555);
  peer.direction = Direction::kInbound;
  discovery.OnPeerConnected(peer);
  const size_t before = db.GetPeerCount();  // the peer's own (port 0) record
  const auto now = static_cast<uint32_t>(clock.UnixSeconds());
  EXPECT_TRUE(discovery.OnMessage(7, ManyAddresses(0, 1000, now)));
  EXPECT_EQ(db.GetPeerCount(), before + 1000);  // the burst
  discovery.OnMessage(7, ManyAddresses(1000, 1000, now));
  EXPECT_EQ(db.GetPeerCount(), before + 1000);  // over budget: dropped
  clock.Advance(100s);                          // 0.1 per second: 10 more
  discovery.OnMessage(7, ManyAddresses(2000, 1000, now));
  EXPECT_EQ(db.GetPeerCount(), before + 1010);
  // Another peer has its own budget; the sender's netgroup is remembered as the source.
  peer.id = 8;
  peer.address = *wire::NetAddress::Parse("198.51.100.1", 5555);
  discovery.OnPeerConnected(peer);
  discovery.OnMessage(8, ManyAddresses(5000, 5, now));
  EXPECT_EQ(db.GetPeerCount(), before + 1 + 1015);
  EXPECT_EQ(db.GetPeer(ManyAddresses(5000, 1, 0).entries[0].service.address)->source_group,
            "4:198.51");
  // Unknown peers and other messages are not addr handling.
  EXPECT_FALSE(discovery.OnMessage(8, wire::Ping{1}));
}

TEST(DiscoveryTest, PeersStillInTheHandshakeAreTheYoungestForEviction) {
  util::ManualClock clock;
  PeerDatabase db({.clock = &clock});
  Discovery discovery(db, {.eviction = {.protect_netgroups = 0, .protect_ping = 0,
                                        .protect_tx = 0, .protect_block = 0},
                           .clock = &clock});
  auto info = [&](PeerId id, const char* ip, std::optional<std::chrono::seconds> age) {
    PeerInfo p;
    p.id = id;
    p.address = *wire::NetAddress::Parse(ip, 5000);
    if (age) p.connected_since = clock.Now() - *age;
    return p;
  };
  // 1 is the oldest (protected for uptime); 2 has not finished its handshake.
  const std::vector<PeerInfo> inbound = {info(1, "10.1.0.1", 1000s), info(2, "10.1.0.2", {}),
                                         info(3, "10.2.0.1", 500s)};
  EXPECT_EQ(discovery.ChooseEvictionVictim(inbound), 2u);
  // Whitelisted peers are never chosen.
  Discovery whitelisting(db, {.eviction = {.protect_netgroups = 0, .protect_ping = 0,
                                           .protect_tx = 0, .protect_block = 0},
                              .whitelist = {"10.1.0.0/16"},
                              .clock = &clock});
  EXPECT_EQ(whitelisting.ChooseEvictionVictim(inbound), 3u);
}

}  // namespace
}  // namespace parthenon::p2p

namespace parthenon::p2p {
namespace {

using namespace std::chrono_literals;

// A resolver that finds nothing (or loopback addresses once told to), counting its calls. No test
// here asks a real DNS server.
struct FakeResolver {
  std::atomic<int> calls{0};
  std::atomic<int> answers{0};  // loopback addresses to return
  auto Function() {
    return [this](const std::string&, uint16_t port) -> std::expected<std::vector<wire::NetAddress>, std::string> {
      ++calls;
      std::vector<wire::NetAddress> out;
      for (int i = 0; i < answers; ++i) {
        out.push_back(wire::NetAddress::FromIPv4({127, 0, 0, static_cast<uint8_t>(10 + i)}, port));
      }
      if (out.empty()) return std::unexpected(std::string("no address"));
      return out;
    };
  }
};

// Waits (briefly) for a background seed round to finish.
void WaitForRounds(const Discovery& discovery, uint64_t rounds) {
  for (int i = 0; i < 2000 && discovery.GetDnsSeedStatus().rounds < rounds; ++i) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(discovery.GetDnsSeedStatus().rounds, rounds);
}

TEST(DiscoveryDnsTest, EmptySeedRoundsBackOffExponentiallyToThirtyMinutes) {
  util::ManualClock clock;
  PeerDatabase db({.clock = &clock});
  FakeResolver resolver;
  // Captures the peerdb log (added before any thread logs, removed after the worker is joined).
  auto lines = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  lines->set_level(spdlog::level::info);
  util::Log(util::LogCategory::kPeerDb).sinks().push_back(lines);
  std::optional<Discovery> holder;
  holder.emplace(db, Discovery::Options{
                         .dns_seeds = {"seed.example"}, .resolve = resolver.Function(),
                         .scope = AddressScope::kLocal, .clock = &clock});
  Discovery& discovery = *holder;
  // The first round runs at once and finds nothing: the next waits a minute.
  EXPECT_EQ(discovery.QueryDNSSeeds(), 0u);
  EXPECT_EQ(discovery.GetDnsSeedStatus().backoff, 60s);
  // Outbound selection asks every 500 ms: no query until the minute has passed.
  for (int i = 0; i < 119; ++i) {
    EXPECT_FALSE(discovery.QueryDNSSeedsIfNeeded());
    clock.Advance(500ms);
  }
  EXPECT_EQ(resolver.calls, 1);
  clock.Advance(500ms);
  EXPECT_TRUE(discovery.QueryDNSSeedsIfNeeded());
  WaitForRounds(discovery, 2);
  EXPECT_EQ(resolver.calls, 2);
  // Then 2, 4, 8, 16 and 30 minutes (the cap), and 30 from then on.
  const std::vector<std::chrono::seconds> expected = {120s, 240s, 480s, 960s, 1800s, 1800s};
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto status = discovery.GetDnsSeedStatus();
    ASSERT_EQ(status.backoff, expected[i]) << i;
    clock.Advance(status.backoff - 1s);
    EXPECT_FALSE(discovery.QueryDNSSeedsIfNeeded());
    clock.Advance(1s);
    EXPECT_TRUE(discovery.QueryDNSSeedsIfNeeded());
    WaitForRounds(discovery, 3 + i);
  }
  EXPECT_EQ(discovery.GetDnsSeedStatus().empty_rounds_in_a_row, 8u);
  // Eight empty rounds, one info line for them (the first); the rest went to debug.
  auto info_lines = [&] {
    int count = 0;
    for (const auto& line : lines->last_formatted()) count += line.find("0 new addresses") != std::string::npos;
    return count;
  };
  EXPECT_EQ(info_lines(), 1);
  // A round that finds addresses resets the wait to a minute.
  resolver.answers = 2;
  clock.Advance(1800s);
  EXPECT_TRUE(discovery.QueryDNSSeedsIfNeeded());
  WaitForRounds(discovery, 9);
  EXPECT_EQ(discovery.GetDnsSeedStatus().backoff, 60s);
  EXPECT_EQ(discovery.GetDnsSeedStatus().empty_rounds_in_a_row, 0u);
  EXPECT_EQ(db.GetPeerCount(), 2u);
  holder.reset();
  auto& sinks = util::Log(util::LogCategory::kPeerDb).sinks();
  sinks.erase(std::find(sinks.begin(), sinks.end(), lines));
}

TEST(DiscoveryDnsTest, NoSeedsMeansNoQuery) {
  util::ManualClock clock;
  PeerDatabase db({.clock = &clock});
  FakeResolver resolver;
  Discovery discovery(db, {.resolve = resolver.Function(), .clock = &clock});  // --dnsseed=0
  EXPECT_FALSE(discovery.QueryDNSSeedsIfNeeded());
  EXPECT_FALSE(discovery.NextOutbound({}).has_value());  // nobody to dial, and still no query
  EXPECT_EQ(resolver.calls, 0);
  EXPECT_EQ(db.GetPeerCount(), 0u);
}

// Connection time is summed per record (getpeerscore's time_connected, gossipsub's P1), and
// block-relay-only links take part in no address relay: their addr is ignored.
TEST(DiscoveryTest, RecordsConnectedTimeAndIgnoresAddrFromBlockRelayLinks) {
  util::ManualClock clock;
  PeerDatabase db({.clock = &clock});
  Discovery discovery(db, {.scope = AddressScope::kLocal, .clock = &clock});
  PeerInfo peer;
  peer.id = 7;
  peer.address = *wire::NetAddress::Parse("10.5.0.1", 18444);
  peer.direction = Direction::kOutbound;
  peer.connection_type = ConnectionType::kBlockRelay;
  peer.connected_since = clock.Now();
  discovery.OnPeerConnected(peer);
  const auto gossiped = *wire::NetAddress::Parse("10.6.0.1", 18444);
  discovery.OnMessage(7, wire::Addr{{{static_cast<uint32_t>(clock.UnixSeconds()),
                                      {wire::kNodeNetwork, gossiped}}}});
  EXPECT_FALSE(db.GetPeer(gossiped));
  clock.Advance(100s);
  peer.disconnect_reason = DisconnectReason::kPeerClosed;
  discovery.OnPeerDisconnected(peer);
  EXPECT_EQ(db.GetPeer(peer.address)->connected_seconds, 100u);
  EXPECT_EQ(db.TableOf(peer.address), AddrTable::kTried);  // the handshake succeeded
}

}  // namespace
}  // namespace parthenon::p2p
