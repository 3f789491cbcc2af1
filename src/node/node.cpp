#include "node/node.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "consensus/script.h"
#include "node/endpoints.h"
#include "node/fd_limit.h"
#include "p2p/transport/certificate.h"
#include "rpc/chain_methods.h"
#include "rpc/cookie.h"
#include "rpc/net_methods.h"
#include "rpc/peerdb_methods.h"
#include "rpc/tls_methods.h"
#include "rpc/wallet_methods.h"
#include "util/logging.h"
#include "wallet/address.h"

namespace parthenon::node {
namespace {

constexpr const char* kLockFileName = ".lock";
constexpr const char* kPidFileName = "parthenon-node.pid";

spdlog::logger& NodeLog() { return util::Log(util::LogCategory::kNode); }

// Takes an exclusive lock on <datadir>/.lock for the life of the process.
std::expected<int, std::string> LockDataDir(const std::filesystem::path& datadir) {
  const auto path = datadir / kLockFileName;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return std::unexpected("cannot open " + path.string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    std::string pid;
    std::ifstream(datadir / kPidFileName) >> pid;
    return std::unexpected("another parthenon-node" + (pid.empty() ? "" : " (pid " + pid + ")") +
                           " is using the data directory " + datadir.string());
  }
  std::ofstream(datadir / kPidFileName, std::ios::trunc) << ::getpid() << '\n';
  return fd;
}

// Debug lines, with the log's microsecond timestamps, when the tip changes and when the mempool
// accepts a transaction: the lab measures block and transaction propagation from them
// (tests/lab/propagation.py). A peer can cause both, so they share one rate limiter.
void LogChainEvent(std::string_view what, const crypto::Uint256& hash, std::string_view extra = {}) {
  static util::LogRateLimiter limiter(200.0, 1000.0);
  auto& log = util::Log(util::LogCategory::kChain);
  if (!log.should_log(spdlog::level::debug)) return;
  if (const auto suppressed = limiter.Allow()) {
    log.debug("{} {}{}{}", what, hash.ToHex(), extra,
              *suppressed ? fmt::format(" ({} lines suppressed)", *suppressed) : std::string());
  }
}

void LogChainEvents(chain::Chainstate& chainstate) {
  chainstate.OnNewTip([](const chain::ChainTip& tip) {
    LogChainEvent("new tip", tip.hash, fmt::format(" at height {}", tip.height));
  });
  chainstate.OnTransactionAccepted([](const primitives::Transaction& tx) {
    LogChainEvent("mempool accepted tx", primitives::Txid(tx));
  });
}

}  // namespace

std::expected<std::unique_ptr<Node>, std::string> Node::Start(const NodeConfig& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.datadir, ec);
  if (ec) return std::unexpected("cannot create the data directory " + config.datadir.string() + ": " + ec.message());
  std::filesystem::permissions(config.datadir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  auto lock = LockDataDir(config.datadir);
  if (!lock) return std::unexpected(lock.error());

  std::unique_ptr<Node> node(new Node(config));
  node->lock_fd_ = *lock;
  util::LogOptions log{.level = config.log_level,
                       .console = true,
                       .file = config.log_file.value_or(config.datadir / "parthenon.log")};
  if (auto logging = util::InitLogging(log); !logging) {
    return std::unexpected(std::string(util::ToString(logging.error())) + ": " + log.file->string());
  }
  NodeLog().info("starting parthenon-node on {} in {}", consensus::Params(config.network).name,
                 config.datadir.string());
  if (auto started = node->StartComponents(); !started) {
    NodeLog().error("start-up failed: {}", started.error());
    node->Stop();
    return std::unexpected(started.error());
  }
  return node;
}

std::expected<void, std::string> Node::StartComponents() {
  chain::Chainstate::Options chain_options;
  chain_options.datadir = config_.datadir;
  chain_options.network = config_.network;
  chain_options.utxo_cache_bytes = static_cast<size_t>(config_.utxo_cache_mb) << 20;
  chain_options.verifier_threads = static_cast<size_t>(std::max(1, config_.worker_threads - 1));
  if (!config_.minimum_chain_work.empty()) {
    // Validated as at most 64 hex digits when parsed: left-pad to a full 256-bit number.
    const std::string padded = std::string(64 - config_.minimum_chain_work.size(), '0') +
                               config_.minimum_chain_work;
    chain_options.minimum_chain_work =
        crypto::ArithUint256::FromUint256(*crypto::Uint256::FromHex(padded));
  }
  auto chainstate = chain::Chainstate::Open(chain_options);
  if (!chainstate) return std::unexpected("cannot open the chain: " + chainstate.error().Message());
  chainstate_ = std::move(*chainstate);
  const chain::ChainTip tip = chainstate_->Tip();
  NodeLog().info("chain tip {} at height {}", tip.hash.ToHex(), tip.height);
  LogChainEvents(*chainstate_);

  auto opened_wallet = wallet::Wallet::Open(*chainstate_);
  if (!opened_wallet) return std::unexpected("cannot open the wallet: " + opened_wallet.error().Message());
  wallet_ = std::move(*opened_wallet);

  if (auto network = StartNetwork(); !network) return network;
  if (auto rpc = StartRpc(); !rpc) return rpc;
  if (config_.mine) {
    auto key = wallet::DecodeKeyAddress(chainstate_->params(), config_.mining_address);
    if (!key) {
      return std::unexpected("--miningaddress '" + config_.mining_address +
                             "' is not an address of this network: " + std::string(wallet::ToString(key.error())));
    }
    miner_ = std::thread([this] { MinerLoop(); });
  }
  return {};
}

std::expected<void, std::string> Node::StartNetwork() {
  const auto& params = chainstate_->params();
  p2p::NetworkManager::Options options;
  options.magic = params.magic;
  options.listen = config_.listen;
  options.port = config_.port;
  if (!config_.bind.empty()) options.bind_addresses = config_.bind;
  // --connect: only those peers (no automatic outbound connections); else --addnode peers are
  // kept connected and the peer database fills the other outbound slots.
  options.add_nodes = HostsWithPorts(config_.connect.empty() ? config_.addnode : config_.connect,
                                     params.default_port);
  // A low RLIMIT_NOFILE lowers the connection limits so accept() never takes the descriptors
  // storage and RPC need.
  const ConnectionLimits limits =
      FitConnectionsToFdLimit({.max_connections = config_.max_connections, .max_outbound = config_.max_outbound});
  options.max_connections = static_cast<size_t>(limits.max_connections);
  options.max_outbound = static_cast<size_t>(limits.max_outbound);
  options.max_inbound = options.max_connections - std::min(options.max_connections, options.max_outbound);
  // The manager's per-IP inbound limit takes bare IPs; subnets (validated by the config parser)
  // reach the peer-database policy and discovery below, which exempt them from bans and eviction.
  for (const std::string& entry : config_.whitelist) {
    if (p2p::wire::NetAddress::Parse(entry, 0)) options.whitelist.push_back(entry);
  }
  options.start_height = [this] { return chainstate_->Tip().height; };
  if (auto tls = ConfigureTls(options); !tls) return tls;
  if (auto peers = OpenPeerDatabase(options); !peers) return peers;
  network_ = std::make_unique<p2p::NetworkManager>(options);
  // ChainSync installs the network callbacks (blocks, transactions, headers, inventory) and
  // subscribes to the chainstate's events; it must exist before the network starts.
  sync_ = std::make_unique<p2p::ChainSync>(*network_, *chainstate_);
  ObservePeers();
  sync_->Start();
  if (auto started = network_->Start(); !started) {
    return std::unexpected("cannot start the P2P network on port " + std::to_string(config_.port) + ": " +
                           std::string(p2p::ToString(started.error())));
  }
  discovery_->QueryDNSSeedsIfNeeded();
  StartLocalDiscovery();
  return {};
}

void Node::StartLocalDiscovery() {
  if (!config_.discover_local) return;
  auto started = p2p::LocalDiscovery::Start({
      .chain = std::string(chainstate_->params().name),
      .port = p2p_port(),
      .on_found =
          [this](const p2p::wire::NetAddress& address) {
            // Stored like a gossiped address (own group as source); selection dials it.
            peer_db_->AddPeer(address, p2p::wire::kNodeNetwork, util::RealClock().UnixSeconds());
          },
  });
  if (!started) {
    NodeLog().warn("--discover-local: mDNS unavailable: {}", started.error());
    return;
  }
  local_discovery_ = std::move(*started);
  NodeLog().info("local discovery (mDNS _parthenon._tcp) on");
}

std::expected<void, std::string> Node::OpenPeerDatabase(p2p::NetworkManager::Options& options) {
  if (config_.geoip_db) {
    auto geoip = p2p::GeoIp::Open(config_.geoip_db->string());
    if (!geoip) return std::unexpected("--geoip-db: " + geoip.error());
    geoip_ = std::move(*geoip);
  }
  if (config_.asmap) {
    auto asmap = p2p::Asmap::Load(*config_.asmap);
    if (!asmap) return std::unexpected("--asmap: " + asmap.error());
    asmap_ = std::move(*asmap);
  }
  peer_db_ = std::make_unique<p2p::PeerDatabase>(p2p::PeerDatabase::Options{
      .ban_duration = std::chrono::seconds(config_.ban_duration_seconds),
      .score_threshold = config_.score_threshold,
      .group = p2p::AsGrouping(asmap_ ? &*asmap_ : nullptr, geoip_.get())});
  auto opened = peer_db_->Open(chainstate_->Column(storage::Column::kPeers),
                               chainstate_->Column(storage::Column::kBans));
  if (!opened) return std::unexpected("cannot open the peer database: " + std::string(p2p::ToString(opened.error())));
  peer_store_ = std::make_unique<p2p::PeerDbStore>(*peer_db_);
  peer_policy_ = std::make_unique<p2p::PeerPolicy>(
      p2p::PeerPolicy::Options{.store = peer_store_.get(), .whitelist = config_.whitelist});
  options.policy = peer_policy_.get();
  p2p::Discovery::Options discovery;
  discovery.default_port = chainstate_->params().default_port;
  // The database holds addresses; named --addnode peers are kept connected by the manager only.
  for (const std::string& node : HostsWithPorts(config_.addnode, discovery.default_port)) {
    if (p2p::wire::NetAddress::ParseEndpoint(node)) discovery.bootstrap.push_back(node);
  }
  discovery.dns_seeds = config_.dns_seeds;
  discovery.local_services = options.services;
  discovery.whitelist = config_.whitelist;
  // Regtest is a local test chain: only loopback and private addresses are stored and dialled.
  discovery.scope = chainstate_->params().network == consensus::Network::kRegtest
                        ? p2p::AddressScope::kLocal
                        : p2p::AddressScope::kPublic;
  discovery.geoip = geoip_.get();
  discovery_ = std::make_unique<p2p::Discovery>(*peer_db_, discovery);
  if (config_.connect.empty()) discovery_->Install(options);
  options.anchors_file = config_.datadir / "anchors.dat";
  NodeLog().info("peer database: {} peers, {} banned", peer_db_->GetPeerCount(), peer_db_->GetBannedCount());
  return {};
}

void Node::ObservePeers() {
  discovery_->Attach(*network_);
  network_->AddObserver({
      .on_connected = [this](const p2p::PeerInfo& info) { discovery_->OnPeerConnected(info); },
      .on_disconnected = [this](const p2p::PeerInfo& info) { discovery_->OnPeerDisconnected(info); },
      .on_message =
          [this](p2p::PeerId id, const p2p::wire::Message& message) {
            if (discovery_->OnMessage(id, message)) return;
            // [cmpct hook] a cmpctblock delivers a block too (BIP152).
            const bool block = std::holds_alternative<p2p::wire::BlockMessage>(message) ||
                               std::holds_alternative<p2p::wire::CmpctBlock>(message);
            const bool tx = std::holds_alternative<p2p::wire::TxMessage>(message);
            if (!block && !tx) return;
            const auto peer = network_->GetPeer(id);
            if (!peer) return;
            const auto address = peer_db_->Canonical(peer->address);
            if (block) (void)peer_db_->RecordBlockReceived(address);
            if (tx) (void)peer_db_->RecordTxReceived(address);
          },
  });
}

std::expected<void, std::string> Node::ConfigureTls(p2p::NetworkManager::Options& options) const {
  switch (config_.tls) {
    case TlsMode::kOff:
      options.tls.mode = p2p::transport::TlsMode::kOff;
      return {};
    case TlsMode::kOptional:
      options.tls.mode = p2p::transport::TlsMode::kOptional;
      break;
    case TlsMode::kRequired:
      options.tls.mode = p2p::transport::TlsMode::kRequired;
      break;
  }
  auto path_or_nothing = [](const std::optional<std::filesystem::path>& path) -> std::optional<std::string> {
    if (!path) return std::nullopt;
    return path->string();
  };
  auto identity = p2p::transport::EnsureIdentity(config_.datadir, path_or_nothing(config_.tls_cert),
                                                 path_or_nothing(config_.tls_key));
  if (!identity) return std::unexpected("TLS identity: " + identity.error().ToString());
  options.tls.cert_file = identity->cert_path;
  options.tls.key_file = identity->key_path;
  if (config_.tls_ca) options.tls.ca_file = config_.tls_ca->string();
  options.tls.pins = config_.tls_pins;
  return {};
}

std::expected<void, std::string> Node::StartRpc() {
  rpc::Credentials credentials{config_.rpc_user, config_.rpc_password};
  const auto cookie = config_.datadir / rpc::kCookieFileName;
  if (credentials.user.empty()) {
    auto written = rpc::WriteCookieFile(cookie);
    if (!written) return std::unexpected(std::string(rpc::ToString(written.error())) + ": " + cookie.string());
    credentials = *written;
  }
  rpc::RegisterChainMethods(dispatcher_, *chainstate_);
  rpc::RegisterNetMethods(dispatcher_, *network_);
  rpc::RegisterTlsMethods(dispatcher_, *network_);
  rpc::RegisterPeerDbMethods(dispatcher_, *peer_db_, *network_);
  rpc::RegisterWalletMethods(dispatcher_, *wallet_, chainstate_->params());
  RegisterNodeMethods();
  http_ = std::make_unique<rpc::HttpServer>(
      rpc::HttpServerOptions{.bind_address = config_.rpc_bind, .port = config_.rpc_port,
                             .credentials = credentials},
      dispatcher_);
  AddRestRoutes();
  auto port = http_->Start();
  if (!port) return std::unexpected(port.error());
  rpc_port_ = *port;
  return {};
}

void Node::MinerLoop() {
  const auto& params = chainstate_->params();
  const auto key = wallet::DecodeKeyAddress(params, config_.mining_address);
  const util::Bytes script = consensus::KeyPathScript(*key);
  while (!mining_cancelled_) {
    auto block_template = chainstate_->CreateBlockTemplate(script);
    if (!block_template) {
      NodeLog().error("miner: cannot create a block template: {}", block_template.error().Message());
      return;
    }
    auto block = chain::MineBlock(std::move(block_template->block), params, &mining_cancelled_);
    if (!block) continue;  // cancelled (or nonce space exhausted: try a fresh template)
    auto outcome = chainstate_->SubmitBlock(*block);
    if (!outcome && chainstate_->StorageFault()) {
      NodeLog().error("miner: stopped, writes are stopped: {}", *chainstate_->StorageFault());
      return;
    }
    if (!outcome) NodeLog().warn("miner: our block was rejected: {}", outcome.error().Message());
    // Regtest blocks cost nothing: pace them so a mining node does not flood its peers.
    if (params.network == consensus::Network::kRegtest) {
      util::MutexLock lock(stop_mutex_);
      if (!stop_requested_) stop_cv_.WaitFor(stop_mutex_, std::chrono::seconds(1));
    }
  }
}

void Node::RequestStop() {
  util::MutexLock lock(stop_mutex_);
  stop_requested_ = true;
  stop_cv_.NotifyAll();
}

void Node::Wait() {
  util::MutexLock lock(stop_mutex_);
  while (!stop_requested_) stop_cv_.Wait(stop_mutex_);
}

void Node::Stop() {
  if (stopped_) return;
  stopped_ = true;
  NodeLog().info("stopping");
  mining_cancelled_ = true;
  RequestStop();
  if (miner_.joinable()) miner_.join();
  if (http_) http_->Stop();
  rpc::RemoveCookieFile(config_.datadir / rpc::kCookieFileName);
  local_discovery_.reset();
  if (network_) network_->Stop();
  if (sync_) sync_->Stop();
  sync_.reset();
  network_.reset();
  discovery_.reset();
  peer_policy_.reset();
  peer_store_.reset();
  if (peer_db_) peer_db_->Close();
  peer_db_.reset();
  wallet_.reset();
  if (chainstate_) {
    if (auto fault = chainstate_->StorageFault()) {
      // Everything acknowledged is on disk already; a flush would only fail again.
      NodeLog().warn("not flushing at shutdown: writes were stopped ({})", *fault);
    } else if (auto flushed = chainstate_->Flush(); !flushed) {
      NodeLog().error("final flush failed: {}", flushed.error().Message());
    }
    chainstate_.reset();
  }
  if (lock_fd_ >= 0) {
    std::error_code ec;
    std::filesystem::remove(config_.datadir / kPidFileName, ec);
    ::close(lock_fd_);
    lock_fd_ = -1;
  }
  NodeLog().info("stopped");
}

Node::~Node() { Stop(); }

p2p::NetResult<void> Node::AddPeer(const std::string& host, uint16_t port) {
  return network_->AddPeer(host, port);
}

std::vector<p2p::PeerInfo> Node::GetPeers() const { return network_->GetPeers(); }

p2p::SyncStatus Node::GetSyncStatus() const { return sync_->GetSyncStatus(); }

chain::Result<chain::BlockOutcome> Node::ProcessBlock(const primitives::Block& block) {
  return chainstate_->SubmitBlock(block);
}

chain::Result<chain::TxOutcome> Node::SubmitTransaction(const primitives::Transaction& tx) {
  return chainstate_->SubmitTransaction(tx);
}

uint16_t Node::p2p_port() const {
  const auto ports = network_->ListenPorts();
  return ports.empty() ? 0 : ports.front();
}

}  // namespace parthenon::node
