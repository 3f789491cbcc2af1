// Test support for relay/sync tests and benchmarks: a full in-process node (Chainstate +
// NetworkManager + ChainSync) on its own loopback address, a shared manual clock so every node
// agrees on block timestamps, and mining/spending helpers. Not used by production code.
#pragma once

#include <atomic>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "chain/chainstate.h"
#include "chain/test_chain.h"
#include "p2p/handlers/chain_sync.h"
#include "p2p/network_manager.h"
#include "storage/env.h"
#include "storage/test_dir.h"
#include "test_node.h"
#include "util/mutex.h"

namespace parthenon::p2p::test {

// The POSIX Env without fsync of flat files: tests do not survive power loss, and an fsync per
// block would dominate their run time. Thread-safe (stateless forwarding).
class NoSyncEnv final : public storage::Env {
 public:
  class File final : public storage::WritableFile {
   public:
    explicit File(std::unique_ptr<storage::WritableFile> inner) : inner_(std::move(inner)) {}
    storage::Result<void> Append(util::ByteSpan data) override { return inner_->Append(data); }
    storage::Result<void> Sync() override { return {}; }
    uint64_t Size() const override { return inner_->Size(); }

   private:
    std::unique_ptr<storage::WritableFile> inner_;
  };
  storage::Result<std::unique_ptr<storage::WritableFile>> OpenAppendable(
      const std::filesystem::path& path) override {
    auto file = storage::DefaultEnv().OpenAppendable(path);
    if (!file) return std::unexpected(file.error());
    return std::make_unique<File>(std::move(*file));
  }
  storage::Result<std::unique_ptr<storage::RandomAccessFile>> OpenReadable(
      const std::filesystem::path& path) override {
    return storage::DefaultEnv().OpenReadable(path);
  }
  storage::Result<void> CreateDirectories(const std::filesystem::path& dir) override {
    return storage::DefaultEnv().CreateDirectories(dir);
  }
  storage::Result<void> Rename(const std::filesystem::path& from,
                               const std::filesystem::path& to) override {
    return storage::DefaultEnv().Rename(from, to);
  }
  storage::Result<void> Remove(const std::filesystem::path& path) override {
    return storage::DefaultEnv().Remove(path);
  }
  storage::Result<uint64_t> FileSize(const std::filesystem::path& path) override {
    return storage::DefaultEnv().FileSize(path);
  }
  storage::Result<uint64_t> FreeSpace(const std::filesystem::path& path) override {
    return storage::DefaultEnv().FreeSpace(path);
  }
};

inline NoSyncEnv& TestEnv() {
  static NoSyncEnv env;
  return env;
}

// One clock for every node of a test, so block timestamps look sane to all of them.
inline util::ManualClock& SharedClock() {
  static util::ManualClock clock{std::chrono::system_clock::time_point{std::chrono::seconds{1'800'000'000}}};
  return clock;
}

inline ChainSync::Options FastSyncOptions() {
  ChainSync::Options options;
  options.tx_announce_interval = std::chrono::milliseconds(20);
  options.tick_interval = std::chrono::milliseconds(10);
  options.block_timeout = std::chrono::milliseconds(3000);
  options.headers_timeout = std::chrono::milliseconds(3000);
  options.tx_timeout = std::chrono::milliseconds(3000);
  return options;
}

// Records every misbehaviour report, then judges it as the store-less PeerPolicy does
// (disconnect at the threshold, never ban). Thread-safe.
class RecordingPolicy final : public PeerPolicy {
 public:
  Judgement Judge(const PeerContext& peer, const Misbehavior& misbehavior) override {
    {
      util::MutexLock lock(mutex_);
      calls_.push_back({peer.id, peer.address.HostString(), misbehavior});
    }
    return PeerPolicy::Judge(peer, misbehavior);
  }
  struct Call {
    PeerId peer;
    std::string host;
    Misbehavior misbehavior;
  };
  std::vector<Call> Calls() const {
    util::MutexLock lock(mutex_);
    return calls_;
  }
  // Reports of `kind` against the peer at `host`.
  size_t Count(MisbehaviorKind kind, const std::string& host) const {
    util::MutexLock lock(mutex_);
    size_t n = 0;
    for (const auto& call : calls_) n += call.misbehavior.kind == kind && call.host == host;
    return n;
  }

 private:
  mutable util::Mutex mutex_;
  std::vector<Call> calls_ GUARDED_BY(mutex_);
};

// A node: chainstate in a temporary directory, network manager on `ip`, ChainSync. Thread-safe
// accessors; construct, Start(), then link.
class SyncNode {
 public:
  // `copy_from`: a closed datadir (see PrebuiltChain) whose chain the node starts with.
  // `tweak`: adjusts the network manager's options last (e.g. a tight receive budget).
  using NetTweak = std::function<void(NetworkManager::Options&)>;
  explicit SyncNode(const std::string& ip, ChainSync::Options sync_options = FastSyncOptions(),
                    PeerPolicy* policy = nullptr, size_t io_threads = 1,
                    const std::filesystem::path* copy_from = nullptr, const NetTweak& tweak = {}) {
    if (copy_from) {
      std::filesystem::copy(*copy_from, dir_.path(),
                            std::filesystem::copy_options::recursive |
                                std::filesystem::copy_options::overwrite_existing);
    }
    chain::Chainstate::Options chain_options{
        .datadir = dir_.path(), .network = consensus::Network::kRegtest,
        .utxo_cache_bytes = 16 << 20, .db_cache_bytes = 8 << 20, .verifier_threads = 1,
        .clock = &SharedClock(), .env = &TestEnv()};
    chain_options.max_orphan_blocks = 2000;
    // Benchmarks compare with the script execution cache off (bench_sync's BENCH_SCRIPT_CACHE).
    if (const char* entries = std::getenv("BENCH_SCRIPT_CACHE")) {
      chain_options.script_cache_entries = std::strtoull(entries, nullptr, 10);
    }
    chain_ = std::move(chain::Chainstate::Open(chain_options).value());
    auto net_options = TestOptions(ip);
    net_options.io_threads = io_threads;
    net_options.policy = policy;
    net_options.start_height = [this] { return chain_->Tip().height; };
    net_options.max_send_queue_bytes = 256ull << 20;
    net_options.max_send_queue_messages = 100'000;
    net_options.max_messages_per_second = 1e6;
    net_options.message_burst = 1e6;
    net_options.max_bytes_per_second = 1e10;
    net_options.byte_burst = 1e10;
    if (tweak) tweak(net_options);
    net_ = std::make_unique<NetworkManager>(std::move(net_options));
    sync_ = std::make_unique<ChainSync>(*net_, *chain_, std::move(sync_options));
    ip_ = ip;
  }
  ~SyncNode() {
    net_->Stop();
    sync_->Stop();
  }
  SyncNode(const SyncNode&) = delete;
  SyncNode& operator=(const SyncNode&) = delete;

  void Start() {
    sync_->Start();
    if (!net_->Start()) throw std::runtime_error("network manager did not start");
  }
  // Connects this node to `to` and waits for both ends.
  bool Link(SyncNode& to) {
    const auto before = ConnectedTo(to.ip());
    if (!net_->AddPeer(to.ip(), to.port())) return false;
    return WaitUntil([&] { return ConnectedTo(to.ip()) > before && to.ConnectedTo(ip_) > 0; });
  }
  size_t ConnectedTo(const std::string& ip) const {
    size_t n = 0;
    for (const auto& peer : net_->GetPeers()) {
      n += peer.state == PeerState::kConnected && peer.address.HostString() == ip;
    }
    return n;
  }

  chain::Chainstate& chain() { return *chain_; }
  const std::filesystem::path& datadir() const { return dir_.path(); }
  NetworkManager& net() { return *net_; }
  ChainSync& sync() { return *sync_; }
  const std::string& ip() const { return ip_; }
  uint16_t port() const { return net_->ListenPorts().at(0); }
  chain::ChainTip Tip() const { return chain_->Tip(); }

  // `block` messages received from currently connected peers (per-command counters).
  uint64_t BlockMessagesReceived() const { return MessagesReceived("block"); }
  // `command` messages received from / sent to currently connected peers.
  uint64_t MessagesReceived(std::string_view command) const { return Count(command, false); }
  uint64_t MessagesSent(std::string_view command) const { return Count(command, true); }

  // Mines one block on the tip paying `payout` (with the mempool's transactions) and submits it.
  primitives::Block Mine(const util::Bytes& payout) {
    auto block = Build(payout);
    auto submitted = chain_->SubmitBlock(block);
    if (!submitted || *submitted != chain::BlockOutcome::kAccepted) std::abort();
    return block;
  }
  primitives::Block Build(const util::Bytes& payout) {
    auto tmpl = chain_->CreateBlockTemplate(payout);
    SharedClock().Advance(std::chrono::seconds(30));
    return std::move(chain::MineBlock(std::move(tmpl.value().block), chain_->params()).value());
  }

 private:
  uint64_t Count(std::string_view command, bool sent) const {
    uint64_t n = 0;
    for (const auto& peer : net_->GetPeers()) {
      const auto& stats = sent ? peer.sent_per_command : peer.received_per_command;
      if (auto it = stats.find(command); it != stats.end()) n += it->second.messages;
    }
    return n;
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<chain::Chainstate> chain_;
  std::unique_ptr<NetworkManager> net_;
  std::unique_ptr<ChainSync> sync_;
  std::string ip_;
};

// A datadir holding a chain of `blocks` blocks (coinbase only, paying `payout`), flushed and
// closed, for SyncNode's copy_from: cheaper than mining the same chain on every node.
struct PrebuiltChain {
  PrebuiltChain(int blocks, const util::Bytes& payout) {
    chain::Chainstate::Options options{
        .datadir = dir.path(), .network = consensus::Network::kRegtest,
        .utxo_cache_bytes = 16 << 20, .db_cache_bytes = 8 << 20, .verifier_threads = 1,
        .clock = &SharedClock(), .env = &TestEnv()};
    auto chain = std::move(chain::Chainstate::Open(options).value());
    for (int i = 0; i < blocks; ++i) {
      auto tmpl = chain->CreateBlockTemplate(payout);
      SharedClock().Advance(std::chrono::seconds(30));
      auto block = chain::MineBlock(std::move(tmpl.value().block), chain->params()).value();
      if (!chain->SubmitBlock(block)) std::abort();
    }
    tip = chain->Tip();
    if (!chain->Flush()) std::abort();
  }
  storage::testing::TempDir dir;
  chain::ChainTip tip;
};

using Nodes = std::vector<std::unique_ptr<SyncNode>>;

// Every node's tip equals `hash`.
inline bool AllOnTip(const Nodes& nodes,
                     const crypto::Uint256& hash) {
  for (const auto& node : nodes) {
    if (node->Tip().hash != hash) return false;
  }
  return true;
}

}  // namespace parthenon::p2p::test
