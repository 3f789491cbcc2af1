#include "p2p/handlers/handshake.h"

#include <gtest/gtest.h>

namespace parthenon::p2p::handlers {
namespace {

const auto kNotOurs = [](uint64_t) { return false; };

wire::Version PeerVersion(int32_t version = wire::kProtocolVersion, uint64_t nonce = 7) {
  wire::Version v;
  v.version = version;
  v.nonce = nonce;
  return v;
}

TEST(HandshakeTest, InboundAnswersVersionThenCompletesOnVerack) {
  Handshake handshake(Direction::kInbound, wire::kMinPeerProtocolVersion);
  auto step = handshake.OnMessage(PeerVersion(), kNotOurs);
  EXPECT_TRUE(step.send_version);
  EXPECT_TRUE(step.send_verack);
  EXPECT_FALSE(step.complete);
  EXPECT_TRUE(handshake.OnMessage(wire::WtxidRelay{}, kNotOurs).misbehavior == std::nullopt);
  EXPECT_TRUE(handshake.OnMessage(wire::Verack{}, kNotOurs).complete);
  EXPECT_EQ(handshake.state(), Handshake::State::kComplete);
}

TEST(HandshakeTest, OutboundDoesNotResendVersion) {
  Handshake handshake(Direction::kOutbound, wire::kMinPeerProtocolVersion);
  auto step = handshake.OnMessage(PeerVersion(), kNotOurs);
  EXPECT_FALSE(step.send_version);
  EXPECT_TRUE(step.send_verack);
}

TEST(HandshakeTest, RejectsOldVersion) {
  Handshake handshake(Direction::kInbound, wire::kMinPeerProtocolVersion);
  auto step = handshake.OnMessage(PeerVersion(70000), kNotOurs);
  EXPECT_EQ(step.reject, DisconnectReason::kObsoleteVersion);
}

TEST(HandshakeTest, RejectsOwnNonce) {
  Handshake handshake(Direction::kInbound, wire::kMinPeerProtocolVersion);
  auto step = handshake.OnMessage(PeerVersion(wire::kProtocolVersion, 42),
                                  [](uint64_t nonce) { return nonce == 42; });
  EXPECT_EQ(step.reject, DisconnectReason::kSelfConnection);
}

TEST(HandshakeTest, MessagesBeforeVersionAreMisbehaviour) {
  Handshake handshake(Direction::kInbound, wire::kMinPeerProtocolVersion);
  auto step = handshake.OnMessage(wire::Verack{}, kNotOurs);
  ASSERT_TRUE(step.misbehavior);
  EXPECT_EQ(step.misbehavior->kind, MisbehaviorKind::kUnexpectedMessage);
  EXPECT_EQ(handshake.OnMessage(wire::Ping{1}, kNotOurs).misbehavior->command, "ping");
}

TEST(PingTrackerTest, MeasuresMatchingPongOnly) {
  PingTracker tracker;
  const auto t0 = std::chrono::steady_clock::time_point{std::chrono::seconds{5}};
  tracker.OnSent(9, t0);
  EXPECT_FALSE(tracker.OnPong(8, t0 + std::chrono::milliseconds{3}));
  EXPECT_EQ(tracker.OnPong(9, t0 + std::chrono::milliseconds{3}), std::chrono::milliseconds{3});
  EXPECT_FALSE(tracker.outstanding());
}

}  // namespace
}  // namespace parthenon::p2p::handlers
