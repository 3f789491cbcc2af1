// Test support for the peer-policy wire tests (issue 11): a SyncNode composed with a peer
// database, its PeerDbStore and a recording PeerPolicy (plus Discovery, as the node wires it),
// a raw listening socket for the node's outbound dials, and raw-frame helpers. Not used by
// production code. Thread-safety as stated per type.
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "crypto/schnorr.h"
#include "p2p/peerdb/discovery.h"
#include "p2p/peerdb/peer_database.h"
#include "p2p/peerdb/peer_db_policy.h"
#include "sync_node.h"

namespace parthenon::p2p::test {

// A PeerPolicy backed by a store that records every report before judging it. Thread-safe.
class StoreRecordingPolicy final : public PeerPolicy {
 public:
  explicit StoreRecordingPolicy(PeerStore* store) : PeerPolicy(Options{.store = store}) {}
  // Recorded after judging, so a report a test sees has reached the store.
  Judgement Judge(const PeerContext& peer, const Misbehavior& misbehavior) override {
    const Judgement judgement = PeerPolicy::Judge(peer, misbehavior);
    util::MutexLock lock(mutex_);
    calls_.push_back({peer.address.HostString(), misbehavior.kind});
    return judgement;
  }
  // Reports of `kind` against `host`.
  size_t Count(MisbehaviorKind kind, const std::string& host) const {
    util::MutexLock lock(mutex_);
    size_t n = 0;
    for (const auto& [h, k] : calls_) n += k == kind && h == host;
    return n;
  }
  // Reports of any kind against `host`.
  size_t Count(const std::string& host) const {
    util::MutexLock lock(mutex_);
    size_t n = 0;
    for (const auto& [h, k] : calls_) n += h == host;
    return n;
  }

 private:
  mutable util::Mutex mutex_;
  std::vector<std::pair<std::string, MisbehaviorKind>> calls_ GUARDED_BY(mutex_);
};

// A full node composed as the node's composition root does it: chainstate, network manager,
// ChainSync, peer database + PeerDbStore + policy, and Discovery (scope kLocal: regtest).
// Construct, optionally tweak, Start().
class PolicyNode {
 public:
  explicit PolicyNode(const std::string& ip, ChainSync::Options sync = FastSyncOptions(),
                      const SyncNode::NetTweak& tweak = {},
                      const std::filesystem::path* copy_from = nullptr)
      : store_(db_), policy_(&store_) {
    Discovery::Options discovery_options;
    discovery_options.scope = AddressScope::kLocal;
    discovery_ = std::make_unique<Discovery>(db_, discovery_options);
    node_ = std::make_unique<SyncNode>(ip, sync, &policy_, 1, copy_from, tweak);
    discovery_->Attach(node_->net());
    node_->net().AddObserver(
        {.on_connected = [this](const PeerInfo& info) { discovery_->OnPeerConnected(info); },
         .on_disconnected =
             [this](const PeerInfo& info) {
               discovery_->OnPeerDisconnected(info);
               util::MutexLock lock(mutex_);
               disconnected_.push_back(info);
             },
         .on_message = [this](PeerId id,
                              const wire::Message& message) { discovery_->OnMessage(id, message); },
         .on_send_drained = {}});
  }
  ~PolicyNode() { node_->net().Stop(); }
  PolicyNode(const PolicyNode&) = delete;
  PolicyNode& operator=(const PolicyNode&) = delete;

  void Start() { node_->Start(); }
  SyncNode& node() { return *node_; }
  NetworkManager& net() { return node_->net(); }
  chain::Chainstate& chain() { return node_->chain(); }
  PeerDatabase& db() { return db_; }
  StoreRecordingPolicy& policy() { return policy_; }
  const std::string& ip() const { return node_->ip(); }
  uint16_t port() const { return node_->port(); }

  // The database record of an inbound peer's IP (inbound records are kept per IP).
  std::optional<PeerRecord> RecordOf(const std::string& ip) const {
    const auto address = *wire::NetAddress::Parse(ip, 1);
    return db_.GetPeer(db_.Canonical(address));
  }
  bool Banned(const std::string& ip) const {
    return db_.IsBanned(*wire::NetAddress::Parse(ip, 1));
  }
  std::vector<PeerInfo> Disconnected() const {
    util::MutexLock lock(mutex_);
    return disconnected_;
  }
  size_t DisconnectsOf(const std::string& ip, DisconnectReason reason) const {
    size_t n = 0;
    for (const auto& info : Disconnected()) {
      n += info.address.HostString() == ip && info.disconnect_reason == reason;
    }
    return n;
  }
  // The id of the connected peer at `ip`.
  std::optional<PeerId> PeerAt(const std::string& ip) const {
    for (const auto& peer : node_->net().GetPeers()) {
      if (peer.state == PeerState::kConnected && peer.address.HostString() == ip) return peer.id;
    }
    return std::nullopt;
  }

 private:
  PeerDatabase db_;
  PeerDbStore store_;
  StoreRecordingPolicy policy_;
  std::unique_ptr<Discovery> discovery_;
  std::unique_ptr<SyncNode> node_;
  mutable util::Mutex mutex_;
  std::vector<PeerInfo> disconnected_ GUARDED_BY(mutex_);
};

// A listening TCP socket on a 127.x address, for the node's outbound dials. Thread-compatible.
class RawListener {
 public:
  explicit RawListener(const std::string& ip) : ip_(ip) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    ::inet_pton(AF_INET, ip.c_str(), &address.sin_addr);
    (void)::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    (void)::listen(fd_, 16);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~RawListener() { ::close(fd_); }
  RawListener(const RawListener&) = delete;
  RawListener& operator=(const RawListener&) = delete;

  const std::string& ip() const { return ip_; }
  uint16_t port() const { return port_; }

  // The next incoming connection, or nullptr after `timeout`.
  std::unique_ptr<RawPeer> Accept(std::chrono::milliseconds timeout = 5s) {
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(timeout.count())) <= 0) return nullptr;
    const int fd = ::accept(fd_, nullptr, nullptr);
    if (fd < 0) return nullptr;
    return std::make_unique<RawPeer>(fd);
  }

 private:
  std::string ip_;
  int fd_ = -1;
  uint16_t port_ = 0;
};

// The answering side of a handshake the node started: its VERSION, ours and VERACKs.
inline bool AnswerHandshake(RawPeer& raw, int32_t start_height, uint64_t nonce = 0xabcdef) {
  if (!raw.ReadUntil<wire::Version>()) return false;
  auto version = RawPeer::MakeVersion(nonce);
  version.start_height = start_height;
  return raw.Send(version) && raw.Send(wire::Verack{}) && raw.ReadUntil<wire::Verack>().has_value();
}

// A raw inbound peer's handshake with its own VERSION and announcements sent before VERACK.
inline bool HandshakeWith(RawPeer& raw, const wire::Version& version,
                          const std::vector<wire::Message>& before_verack = {}) {
  if (!raw.Send(version)) return false;
  for (const auto& message : before_verack) {
    if (!raw.Send(message)) return false;
  }
  return raw.ReadUntil<wire::Verack>() && raw.Send(wire::Verack{});
}

// Sends a ping and returns every message that arrived before its pong (nullopt: no pong). The
// node answers in order, so everything it sent in reply to earlier messages is in the result.
inline std::optional<std::vector<wire::Message>> ReadUntilPong(RawPeer& raw, uint64_t nonce,
                                                               std::chrono::milliseconds timeout = 5s) {
  if (!raw.Send(wire::Ping{nonce})) return std::nullopt;
  std::vector<wire::Message> before;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto message = raw.Read(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (!message) return std::nullopt;
    if (const auto* pong = std::get_if<wire::Pong>(&*message); pong && pong->nonce == nonce) {
      return before;
    }
    before.push_back(std::move(*message));
  }
  return std::nullopt;
}

// The messages of type T in `messages`.
template <class T>
std::vector<T> OfType(const std::vector<wire::Message>& messages) {
  std::vector<T> out;
  for (const auto& message : messages) {
    if (const auto* value = std::get_if<T>(&message)) out.push_back(*value);
  }
  return out;
}

// The key every test coin belongs to.
inline const crypto::KeyPair& TestKey() {
  static const crypto::KeyPair key = crypto::KeyPair::Generate();
  return key;
}

// Mines `count` blocks paying TestKey() on `node`; returns the last.
inline primitives::Block MineBlocks(SyncNode& node, int count) {
  primitives::Block last;
  for (int i = 0; i < count; ++i) last = node.Mine(chain::testing::PayTo(TestKey()));
  return last;
}

// The coinbase coin of the block at `height` of `node`'s chain.
inline chain::testing::Spendable CoinbaseAt(SyncNode& node, int height) {
  auto block = node.chain().GetBlock(*node.chain().GetBlockHash(height)).value();
  return chain::testing::CoinbaseOutput(block);
}

// A signed spend of `coin` (a witness-carrying transaction) paying `fee`.
inline primitives::Transaction SpendCoin(const chain::testing::Spendable& coin,
                                         consensus::Amount fee) {
  return chain::testing::SignedTx(
      TestKey(), {coin},
      {primitives::TxOut{coin.out.value - fee, chain::testing::PayTo(TestKey())}});
}

// Transaction inventory entries in `messages` (inv only).
inline std::vector<wire::InvItem> TxInvItems(const std::vector<wire::Message>& messages) {
  std::vector<wire::InvItem> items;
  for (const auto& inv : OfType<wire::Inv>(messages)) {
    for (const auto& item : inv.items) {
      if (item.type == wire::InvType::kTx || item.type == wire::InvType::kWtx ||
          item.type == wire::InvType::kWitnessTx) {
        items.push_back(item);
      }
    }
  }
  return items;
}

// Reads for `duration`, returning everything that arrived.
inline std::vector<wire::Message> ReadFor(RawPeer& raw, std::chrono::milliseconds duration) {
  std::vector<wire::Message> out;
  const auto deadline = std::chrono::steady_clock::now() + duration;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) break;
    auto message = raw.Read(left);
    if (!message) break;
    out.push_back(std::move(*message));
  }
  return out;
}

}  // namespace parthenon::p2p::test
