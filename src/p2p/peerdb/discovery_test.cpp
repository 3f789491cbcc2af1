#include "p2p/peerdb/discovery.h"

#include <gtest/gtest.h>

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
