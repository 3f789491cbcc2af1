#include "p2p/handlers/tx_requests.h"

#include <gtest/gtest.h>

#include "util/clock.h"

namespace parthenon::p2p {
namespace {

using namespace std::chrono_literals;

crypto::Uint256 Tx(uint8_t n) {
  crypto::Uint256 hash;
  hash.data()[0] = std::byte{n};
  hash.data()[31] = std::byte{1};
  return hash;
}

// The (peer, item) pairs of the getdata messages in `fx`.
std::vector<std::pair<PeerId, wire::InvItem>> Requests(const Effects& fx) {
  std::vector<std::pair<PeerId, wire::InvItem>> out;
  for (const auto& [peer, message] : fx.sends) {
    if (const auto* getdata = std::get_if<wire::GetData>(&message)) {
      for (const auto& item : getdata->items) out.emplace_back(peer, item);
    }
  }
  return out;
}

class TxRequestsTest : public ::testing::Test {
 protected:
  SteadyTime Now() const { return clock_.SteadyNow(); }
  util::ManualClock clock_;
  TxRequests requests_{10s};
};

TEST_F(TxRequestsTest, FirstAnnouncerIsAskedOnceByTheKindOfHashItRelays) {
  requests_.AddPeer(1, /*wtxid_relay=*/true);
  requests_.AddPeer(2, /*wtxid_relay=*/false);
  Effects fx;
  requests_.OnAnnounced(1, Tx(1), Now(), fx);
  requests_.OnAnnounced(2, Tx(1), Now(), fx);  // in flight: not asked again
  requests_.OnAnnounced(2, Tx(2), Now(), fx);
  const auto sent = Requests(fx);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].first, PeerId{1});
  EXPECT_EQ(sent[0].second.type, wire::InvType::kWtx);
  EXPECT_EQ(sent[1].first, PeerId{2});
  EXPECT_EQ(sent[1].second.type, wire::InvType::kWitnessTx);
}

TEST_F(TxRequestsTest, NotFoundMovesTheRequestToTheNextAnnouncer) {
  requests_.AddPeer(1, false);
  requests_.AddPeer(2, false);
  Effects fx;
  requests_.OnAnnounced(1, Tx(1), Now(), fx);
  requests_.OnAnnounced(2, Tx(1), Now(), fx);
  Effects next;
  EXPECT_FALSE(requests_.OnNotFound(2, Tx(1), Now(), next));  // not its request
  EXPECT_TRUE(requests_.OnNotFound(1, Tx(1), Now(), next));
  const auto sent = Requests(next);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].first, PeerId{2});
  EXPECT_EQ(requests_.Owner(Tx(1)), PeerId{2});
}

TEST_F(TxRequestsTest, ExpiredRequestIsReportedAndReRequestedElsewhere) {
  requests_.AddPeer(1, false);
  requests_.AddPeer(2, false);
  Effects fx;
  requests_.OnAnnounced(1, Tx(1), Now(), fx);
  requests_.OnAnnounced(2, Tx(1), Now(), fx);
  clock_.Advance(10s);
  Effects early;
  EXPECT_TRUE(requests_.TakeExpired(Now(), early).empty());
  clock_.Advance(1ms);
  Effects late;
  const auto expired = requests_.TakeExpired(Now(), late);
  EXPECT_EQ(expired, (std::map<PeerId, size_t>{{1, 1}}));
  ASSERT_EQ(Requests(late).size(), 1u);
  EXPECT_EQ(Requests(late)[0].first, PeerId{2});
  // Peer 1 failed it: when peer 2 fails too, the transaction is forgotten.
  Effects last;
  EXPECT_TRUE(requests_.OnNotFound(2, Tx(1), Now(), last));
  EXPECT_TRUE(last.sends.empty());
  EXPECT_FALSE(requests_.InFlight(Tx(1)));
}

TEST_F(TxRequestsTest, DisconnectHandsRequestsToOtherAnnouncers) {
  requests_.AddPeer(1, false);
  requests_.AddPeer(2, false);
  Effects fx;
  requests_.OnAnnounced(1, Tx(1), Now(), fx);
  requests_.OnAnnounced(2, Tx(1), Now(), fx);
  Effects next;
  requests_.RemovePeer(1, Now(), next);
  EXPECT_EQ(requests_.Owner(Tx(1)), PeerId{2});
  EXPECT_EQ(Requests(next).size(), 1u);
}

TEST_F(TxRequestsTest, OrphanParentIsAskedByTxidEvenOfAWtxidRelayPeer) {
  requests_.AddPeer(1, /*wtxid_relay=*/true);
  Effects fx;
  requests_.RequestParent(1, Tx(7), Now(), fx);
  const auto sent = Requests(fx);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].second.type, wire::InvType::kWitnessTx);
  EXPECT_EQ(sent[0].second.hash, Tx(7));
}

TEST_F(TxRequestsTest, ArrivalForgetsTheRequestAndItsAnnouncers) {
  requests_.AddPeer(1, false);
  requests_.AddPeer(2, false);
  Effects fx;
  requests_.OnAnnounced(1, Tx(1), Now(), fx);
  requests_.OnAnnounced(2, Tx(1), Now(), fx);
  requests_.Forget(Tx(1), Tx(2));
  EXPECT_FALSE(requests_.InFlight(Tx(1)));
  clock_.Advance(11s);
  Effects later;
  EXPECT_TRUE(requests_.TakeExpired(Now(), later).empty());
  EXPECT_TRUE(later.sends.empty());
}

TEST_F(TxRequestsTest, PerPeerCapLeavesTheRestToOtherAnnouncers) {
  requests_.AddPeer(1, false);
  requests_.AddPeer(2, false);
  Effects fx;
  for (size_t i = 0; i < TxRequests::kMaxRequestsPerPeer + 1; ++i) {
    crypto::Uint256 hash;
    hash.data()[0] = static_cast<std::byte>(i);
    hash.data()[1] = static_cast<std::byte>(i >> 8);
    hash.data()[31] = std::byte{2};
    requests_.OnAnnounced(1, hash, Now(), fx);
    requests_.OnAnnounced(2, hash, Now(), fx);
  }
  EXPECT_EQ(requests_.InFlightFor(1), TxRequests::kMaxRequestsPerPeer);
  EXPECT_EQ(requests_.InFlightFor(2), 1u);
}

}  // namespace
}  // namespace parthenon::p2p
