// Multi-node tests of the TLS transport (docs/tls.md): nodes on 127.0.0.x with generated
// certificates; misbehaving TLS clients are raw OpenSSL clients on blocking sockets.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <filesystem>
#include <mutex>
#include <random>

#include "p2p/transport/certificate.h"
#include "p2p/wire/commands.h"
#include "p2p/wire/test_messages.h"
#include "test_node.h"

namespace parthenon::p2p::test {
namespace {

namespace fs = std::filesystem;
using transport::TlsMode;

// A certificate/key pair in a per-test directory.
class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("parthenon_tls_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Generates <name>.pem/<name>.key; returns the SPKI fingerprint.
  std::string Identity(const std::string& name, transport::SelfSignedOptions options = {}) {
    EXPECT_TRUE(transport::GenerateSelfSigned(Cert(name), Key(name), options));
    return transport::LoadCertificateInfo(Cert(name))->fingerprint;
  }
  std::string Cert(const std::string& name) const { return (dir_ / (name + ".pem")).string(); }
  std::string Key(const std::string& name) const { return (dir_ / (name + ".key")).string(); }

  NetworkManager::Options Options(const std::string& ip, TlsMode mode, const std::string& name) {
    auto options = TestOptions(ip);
    options.tls.mode = mode;
    if (mode != TlsMode::kOff) {
      if (!fs::exists(Cert(name))) Identity(name);
      options.tls.cert_file = Cert(name);
      options.tls.key_file = Key(name);
    }
    return options;
  }

  fs::path dir_;
};

void Link(TestNode& from, TestNode& to) {
  const size_t before_from = from.ConnectedPeers();
  const size_t before_to = to.ConnectedPeers();
  ASSERT_TRUE(from.net().AddPeer(to.ip(), to.port()));
  ASSERT_TRUE(WaitUntil([&] {
    return from.ConnectedPeers() > before_from && to.ConnectedPeers() > before_to;
  }));
}

std::optional<PeerInfo> ConnectedPeerFrom(TestNode& node, const std::string& ip) {
  for (const auto& peer : node.net().GetPeers()) {
    if (peer.state == PeerState::kConnected && peer.address.HostString() == ip) return peer;
  }
  return std::nullopt;
}

// Every byte a node read from its peers' sockets.
class WireCapture {
 public:
  std::function<void(PeerId, std::span<const std::byte>)> Observer() {
    return [this](PeerId, std::span<const std::byte> bytes) {
      std::lock_guard lock(mutex_);
      bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    };
  }
  std::string Text() const {
    std::lock_guard lock(mutex_);
    return std::string(reinterpret_cast<const char*>(bytes_.data()), bytes_.size());
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::byte> bytes_;
};

// A blocking OpenSSL client on a RawPeer socket.
class RawTlsClient {
 public:
  RawTlsClient(const std::string& source_ip, const std::string& target_ip, uint16_t port,
               int max_version)
      : tcp_(source_ip, target_ip, port) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_security_level(ctx_, 0);  // OpenSSL 3 forbids TLS 1.0/1.1 at the default level
    SSL_CTX_set_min_proto_version(ctx_, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx_, max_version);
    if (max_version < TLS1_2_VERSION) SSL_CTX_set_cipher_list(ctx_, "ALL:@SECLEVEL=0");
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    ssl_ = SSL_new(ctx_);
    timeval timeout{5, 0};
    ::setsockopt(tcp_.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    SSL_set_fd(ssl_, tcp_.fd());
  }
  ~RawTlsClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ERR_clear_error();
  }
  bool Handshake() { return SSL_connect(ssl_) == 1; }
  std::string Version() const { return SSL_get_version(ssl_); }
  RawPeer& tcp() { return tcp_; }

 private:
  RawPeer tcp_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

TEST_F(TlsTest, BlocksAndTransactionsFlowOverTls13AndTheWireCarriesNoPlaintext) {
  WireCapture capture_a;
  WireCapture capture_b;
  auto options_a = Options("127.0.40.1", TlsMode::kRequired, "a");
  options_a.wire_observer = capture_a.Observer();
  auto options_b = Options("127.0.40.2", TlsMode::kRequired, "b");
  options_b.wire_observer = capture_b.Observer();
  TestNode a(options_a);
  TestNode b(options_b);
  a.Start();
  b.Start();
  Link(b, a);

  auto at_b = ConnectedPeerFrom(b, a.ip());
  ASSERT_TRUE(at_b);
  EXPECT_TRUE(at_b->encrypted);
  EXPECT_EQ(at_b->tls_version, "TLSv1.3");
  EXPECT_FALSE(at_b->tls_cipher.empty());
  EXPECT_EQ(at_b->peer_key_fingerprint, transport::LoadCertificateInfo(Cert("a"))->fingerprint);
  EXPECT_NE(at_b->services & wire::kNodeTls, 0u);
  auto at_a = ConnectedPeerFrom(a, b.ip());
  ASSERT_TRUE(at_a);
  EXPECT_EQ(at_a->peer_key_fingerprint, transport::LoadCertificateInfo(Cert("b"))->fingerprint);

  std::mt19937_64 rng(7);
  EXPECT_EQ(a.net().BroadcastBlock(wire::test::GenesisBlock()), 1u);
  EXPECT_EQ(b.net().BroadcastTransaction(wire::test::WitnessTransaction(rng)), 1u);
  EXPECT_TRUE(WaitUntil([&] { return !b.Blocks().empty() && !a.Transactions().empty(); }));

  for (const auto* capture : {&capture_a, &capture_b}) {
    const std::string wire = capture->Text();
    ASSERT_GT(wire.size(), 1000u);
    EXPECT_EQ(wire[0], '\x16');  // a TLS handshake record, then only TLS records
    for (const auto& command : wire::kCommands) {
      std::string padded(command.name);
      padded.resize(12, '\0');
      EXPECT_EQ(wire.find(padded), std::string::npos) << "plaintext command " << command.name;
    }
    const std::string magic(reinterpret_cast<const char*>(kMagic.data()), kMagic.size());
    EXPECT_EQ(wire.find(magic + "version"), std::string::npos);
  }
}

TEST_F(TlsTest, OptionalServesPlaintextAndTlsPeersOnOnePort) {
  TestNode hub(Options("127.0.41.1", TlsMode::kOptional, "hub"));
  TestNode plain(Options("127.0.41.2", TlsMode::kOff, ""));
  TestNode secure(Options("127.0.41.3", TlsMode::kRequired, "secure"));
  TestNode upgrading(Options("127.0.41.4", TlsMode::kOptional, "upgrading"));
  hub.Start();
  plain.Start();
  secure.Start();
  upgrading.Start();
  Link(plain, hub);
  Link(secure, hub);
  RawPeer raw("127.0.41.5", hub.ip(), hub.port());
  ASSERT_TRUE(raw.Handshake());
  // optional → optional: the first plaintext link learns NODE_TLS and is redialled over TLS.
  ASSERT_TRUE(upgrading.net().AddPeer(hub.ip(), hub.port()));
  ASSERT_TRUE(WaitUntil([&] {
    auto peer = ConnectedPeerFrom(upgrading, hub.ip());
    return peer && peer->encrypted;
  }));
  EXPECT_TRUE(upgrading.WaitDisconnect(DisconnectReason::kTlsUpgrade));

  ASSERT_TRUE(WaitUntil([&] { return hub.ConnectedPeers() == 4; }));
  EXPECT_FALSE(ConnectedPeerFrom(hub, plain.ip())->encrypted);
  EXPECT_TRUE(ConnectedPeerFrom(hub, secure.ip())->encrypted);
  EXPECT_TRUE(ConnectedPeerFrom(hub, upgrading.ip())->encrypted);
  EXPECT_FALSE(ConnectedPeerFrom(hub, "127.0.41.5")->encrypted);
  EXPECT_EQ(hub.net().BroadcastBlock(wire::test::GenesisBlock()), 4u);
  EXPECT_TRUE(WaitUntil([&] {
    return !plain.Blocks().empty() && !secure.Blocks().empty() && !upgrading.Blocks().empty();
  }));
  EXPECT_TRUE(raw.ReadUntil<wire::BlockMessage>());
  // The plain node does not advertise NODE_TLS; the others do.
  EXPECT_EQ(ConnectedPeerFrom(hub, plain.ip())->services & wire::kNodeTls, 0u);
  EXPECT_NE(ConnectedPeerFrom(hub, secure.ip())->services & wire::kNodeTls, 0u);
}

TEST_F(TlsTest, RequiredRefusesPlaintext) {
  TestNode a(Options("127.0.42.1", TlsMode::kRequired, "a"));
  a.Start();
  RawPeer raw("127.0.42.2", a.ip(), a.port());
  ASSERT_TRUE(raw.Send(RawPeer::MakeVersion(1)));
  EXPECT_TRUE(raw.WaitClosed());
  auto refused = a.WaitDisconnect(DisconnectReason::kTlsRequired);
  ASSERT_TRUE(refused);
  TestNode plain(Options("127.0.42.3", TlsMode::kOff, ""));
  plain.Start();
  ASSERT_TRUE(plain.net().AddPeer(a.ip(), a.port()));
  EXPECT_TRUE(plain.WaitDisconnect(DisconnectReason::kPeerClosed));
  EXPECT_EQ(a.ConnectedCallbacks(), 0u);
}

TEST_F(TlsTest, Tls11ClientIsRefused) {
  TestNode a(Options("127.0.43.1", TlsMode::kRequired, "a"));
  a.Start();
  RawTlsClient old("127.0.43.2", a.ip(), a.port(), TLS1_1_VERSION);
  EXPECT_FALSE(old.Handshake());
  auto refused = a.WaitDisconnect(DisconnectReason::kTlsFailed);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->disconnect_detail.find("unsupported protocol"), std::string::npos)
      << refused->disconnect_detail;
  // A TLS 1.2 client is served.
  RawTlsClient current("127.0.43.3", a.ip(), a.port(), TLS1_2_VERSION);
  EXPECT_TRUE(current.Handshake());
  EXPECT_EQ(current.Version(), "TLSv1.2");
}

TEST_F(TlsTest, PinMismatchIsRefusedAndAMatchingPinConnects) {
  const std::string fingerprint = Identity("a");
  TestNode a(Options("127.0.44.1", TlsMode::kRequired, "a"));
  a.Start();
  auto wrong = Options("127.0.44.2", TlsMode::kRequired, "b");
  wrong.tls.pins = {std::string(64, '0')};
  TestNode b(wrong);
  b.Start();
  ASSERT_TRUE(b.net().AddPeer(a.ip(), a.port()));
  auto refused = b.WaitDisconnect(DisconnectReason::kTlsFailed);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->disconnect_detail.find("pin mismatch"), std::string::npos)
      << refused->disconnect_detail;
  EXPECT_EQ(b.ConnectedCallbacks(), 0u);

  auto right = Options("127.0.44.3", TlsMode::kRequired, "c");
  right.tls.peer_pins[a.ip()] = {"sha256:" + fingerprint};
  TestNode c(right);
  c.Start();
  Link(c, a);
}

TEST_F(TlsTest, ExpiredCertificateIsRefusedWhenVerifying) {
  const std::string fingerprint =
      Identity("expired", {.days = 1, .not_before_offset_days = -5});
  TestNode a(Options("127.0.45.1", TlsMode::kRequired, "expired"));
  a.Start();
  auto verifying = Options("127.0.45.2", TlsMode::kRequired, "b");
  verifying.tls.pins = {fingerprint};  // the right key, but out of date
  TestNode b(verifying);
  b.Start();
  ASSERT_TRUE(b.net().AddPeer(a.ip(), a.port()));
  auto refused = b.WaitDisconnect(DisconnectReason::kTlsFailed);
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->disconnect_detail.find("expired"), std::string::npos)
      << refused->disconnect_detail;
  // Verification off (private network): accepted.
  TestNode c(Options("127.0.45.3", TlsMode::kRequired, "c"));
  c.Start();
  Link(c, a);
}

TEST_F(TlsTest, RotationServesTheNewCertificateWhileOldLinksContinue) {
  const std::string first = Identity("a");
  auto options = Options("127.0.46.1", TlsMode::kRequired, "a");
  options.tls.rotation_interval = 50ms;
  TestNode a(options);
  TestNode b(Options("127.0.46.2", TlsMode::kRequired, "b"));
  a.Start();
  b.Start();
  Link(b, a);
  EXPECT_EQ(ConnectedPeerFrom(b, a.ip())->peer_key_fingerprint, first);

  ASSERT_TRUE(transport::GenerateSelfSigned(Cert("a"), Key("a")));
  const std::string second = transport::LoadCertificateInfo(Cert("a"))->fingerprint;
  ASSERT_NE(second, first);
  ASSERT_TRUE(WaitUntil([&] {
    auto status = a.net().GetTlsStatus();
    return status.certificate && status.certificate->fingerprint == second;
  }));
  EXPECT_EQ(a.net().GetTlsStatus().rotations, 1u);

  TestNode c(Options("127.0.46.3", TlsMode::kRequired, "c"));
  c.Start();
  Link(c, a);
  EXPECT_EQ(ConnectedPeerFrom(c, a.ip())->peer_key_fingerprint, second);
  // The old link still has the old certificate and still carries traffic.
  EXPECT_EQ(ConnectedPeerFrom(b, a.ip())->peer_key_fingerprint, first);
  EXPECT_EQ(a.net().BroadcastBlock(wire::test::GenesisBlock()), 2u);
  EXPECT_TRUE(WaitUntil([&] { return !b.Blocks().empty() && !c.Blocks().empty(); }));
}

TEST_F(TlsTest, GarbageAfterHandshakeOrTruncatedHandshakeDisconnectsOnlyThatPeer) {
  TestNode a(Options("127.0.47.1", TlsMode::kRequired, "a"));
  TestNode b(Options("127.0.47.2", TlsMode::kRequired, "b"));
  a.Start();
  b.Start();
  Link(b, a);

  // A completed handshake followed by bytes that are no TLS record.
  RawTlsClient garbage("127.0.47.3", a.ip(), a.port(), TLS1_3_VERSION);
  ASSERT_TRUE(garbage.Handshake());
  const std::vector<std::byte> junk(64, std::byte{0x5a});
  ASSERT_TRUE(garbage.tcp().SendBytes(junk));
  EXPECT_TRUE(garbage.tcp().WaitClosed());

  // A ClientHello cut off in the middle, then EOF.
  {
    RawPeer truncated("127.0.47.4", a.ip(), a.port());
    const std::vector<std::byte> partial = {std::byte{0x16}, std::byte{0x03}, std::byte{0x01},
                                            std::byte{0x02}, std::byte{0x00}, std::byte{0x01},
                                            std::byte{0x00}, std::byte{0x01}, std::byte{0xfc}};
    ASSERT_TRUE(truncated.SendBytes(partial));
  }
  ASSERT_TRUE(WaitUntil([&] { return a.Disconnected().size() >= 2; }));
  for (const auto& info : a.Disconnected()) {
    EXPECT_NE(info.address.HostString(), b.ip());
  }
  EXPECT_EQ(a.ConnectedPeers(), 1u);
  EXPECT_EQ(a.net().BroadcastBlock(wire::test::GenesisBlock()), 1u);
  EXPECT_TRUE(WaitUntil([&] { return !b.Blocks().empty(); }));
}

}  // namespace
}  // namespace parthenon::p2p::test
