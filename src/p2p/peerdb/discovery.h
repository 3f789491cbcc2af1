// Discovery: how the node finds peers and chooses whom to keep. It fills the peer database from
// configuration, DNS seeds and addr gossip, answers getaddr, advertises our own address, records
// connection outcomes and geolocation, and supplies the network manager's two peer-database hooks
// (Options::address_source: outbound selection; Options::inbound_eviction).
//
// Composition (node): construct the PeerDatabase, PeerDbPolicy and Discovery; Install() into the
// NetworkManager::Options (with .policy = &policy); construct the manager; Attach() it; forward
// OnPeerConnected / OnPeerDisconnected / OnMessage from the manager's callbacks; Start().
//
// Thread-safety: thread-safe after Attach(). DNS lookups run on a worker thread owned here
// (joined by the destructor), never on the I/O threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "p2p/network_manager.h"
#include "p2p/peerdb/geoip.h"
#include "p2p/peerdb/netgroup.h"
#include "p2p/peerdb/peer_database.h"
#include "p2p/peerdb/selection.h"
#include "p2p/transport/rate_limiter.h"
#include "util/mutex.h"

namespace parthenon::p2p {

class Discovery {
 public:
  struct Options {
    uint16_t default_port = 8333;            // for DNS seed results and bare bootstrap hosts
    std::vector<std::string> bootstrap;      // "ip:port" added to the database at construction
    std::vector<std::string> dns_seeds;      // host names (A and AAAA); empty: no DNS seeding
    // A seed round that finds no new address waits dns_retry_initial before the next one, then
    // twice as long each time up to dns_retry_max; a round that finds some waits dns_retry_initial.
    std::chrono::seconds dns_retry_initial{60};
    std::chrono::seconds dns_retry_max{30 * 60};
    // How a seed name is resolved (nullptr: getaddrinfo, A and AAAA). Returns the addresses with
    // `port`, or an error text. Called on the DNS worker thread.
    std::function<std::expected<std::vector<wire::NetAddress>, std::string>(const std::string& name,
                                                                            uint16_t port)>
        resolve;
    size_t min_good_peers = 8;               // fewer good peers: query the DNS seeds
    std::optional<wire::NetAddress> local_address;  // advertised to every peer on connect
    uint64_t local_services = 0;
    size_t max_addr_response = 1000;         // getaddr answer size (once per connection)
    size_t relay_fanout = 2;                 // fresh addr entries go to this many peers
    size_t max_relay_entries = 10;           // larger addr messages are stored, not relayed
    std::chrono::seconds fresh_age{600};     // an entry younger than this is relayed
    double addr_rate_per_second = 0.1;       // per-peer addr budget (entries), as Bitcoin Core
    double addr_burst = 1000;
    SelectionRules selection;                // now is filled in on each call
    EvictionRules eviction;
    std::vector<std::string> whitelist;      // IPs/subnets never evicted (as --whitelist)
    // Addresses stored from gossip, DNS and bootstrap, and dialled (the node: kPublic on main
    // and testnet, kLocal on regtest). Others are dropped (and not relayed).
    AddressScope scope = AddressScope::kPublic;
    const util::Clock* clock = &util::RealClock();  // must outlive Discovery
    const GeoIp* geoip = nullptr;            // --geoip-db; must outlive Discovery
  };

  Discovery(PeerDatabase& db, Options options);
  ~Discovery();
  Discovery(const Discovery&) = delete;
  Discovery& operator=(const Discovery&) = delete;

  // Sets address_source and inbound_eviction. REQUIRES: this outlives the manager built from it.
  void Install(NetworkManager::Options& options);
  // REQUIRES: before net.Start(); net outlives this.
  void Attach(NetworkManager& net);
  // The address to advertise (e.g. once the listening port is known). Thread-safe.
  void SetLocalAddress(const wire::NetAddress& address) EXCLUDES(mutex_);

  void AddDNSSeed(const std::string& name) EXCLUDES(mutex_);
  // Resolves every seed now (blocking); returns how many new addresses were added. Sets the time
  // of the next automatic round (see Options::dns_retry_initial). The outcome is logged at info
  // when the round adds addresses or is the first of a run of empty rounds, else at debug.
  size_t QueryDNSSeeds() EXCLUDES(mutex_);
  // Starts QueryDNSSeeds() on the worker thread if there are seeds, the database has fewer than
  // min_good_peers good peers, the back-off time has passed and no query is running. Returns
  // true if it started one. Cheap when it does nothing: outbound selection calls it often.
  bool QueryDNSSeedsIfNeeded() EXCLUDES(mutex_);

  struct DnsSeedStatus {
    uint64_t rounds = 0;              // seed rounds finished
    uint64_t empty_rounds_in_a_row = 0;
    std::chrono::seconds backoff{0};  // wait after the last round
    std::chrono::steady_clock::time_point next_round;  // on options.clock's steady time line
  };
  DnsSeedStatus GetDnsSeedStatus() const EXCLUDES(mutex_);

  // Forwarded from the manager's callbacks.
  void OnPeerConnected(const PeerInfo& info) EXCLUDES(mutex_);
  void OnPeerDisconnected(const PeerInfo& info) EXCLUDES(mutex_);
  // Handles addr, addrv2 and getaddr; false for any other message.
  bool OnMessage(PeerId id, const wire::Message& message) EXCLUDES(mutex_);

  // The hooks Install() sets.
  // Outbound choice: addresses drawn from the address manager's tables (Core's tried/new bias),
  // then SelectOutbound's score and diversity rules over them.
  std::optional<wire::NetAddress> NextOutbound(const std::vector<wire::NetAddress>& current)
      EXCLUDES(mutex_);
  // Feeler choice: the tried occupant of a tried-table collision (test-before-evict), else an
  // address of the new table, neither connected, banned, out of scope nor attempted recently.
  std::optional<wire::NetAddress> NextFeeler(const std::vector<wire::NetAddress>& current)
      EXCLUDES(mutex_);
  // Addresses drawn from the tables per selection (more draws: the score rules weigh more).
  static constexpr size_t kDrawsPerSelection = 32;
  std::optional<PeerId> ChooseEvictionVictim(const std::vector<PeerInfo>& inbound)
      EXCLUDES(mutex_);

 private:
  struct PeerState {
    wire::NetAddress address;  // canonical record address
    wire::NetAddress remote;   // as connected
    Direction direction = Direction::kInbound;
    bool answered_getaddr = false;
    transport::TokenBucket addr_budget;
    bool addrv2 = false;  // it sent sendaddrv2: our addresses go to it as addrv2
    ConnectionType type = ConnectionType::kInbound;
    bool RelaysAddresses() const { return Relays(type); }
  };
  // Block-relay-only links and feelers take part in no address relay (Core).
  static bool Relays(ConnectionType type) {
    return type != ConnectionType::kBlockRelay && type != ConnectionType::kFeeler;
  }
  // Candidates for SelectOutbound from `addresses` (banned, wrong-chain, out-of-scope dropped).
  std::vector<OutboundCandidate> Candidates(const std::vector<wire::NetAddress>& addresses,
                                            int64_t now) const;
  std::vector<OutboundPeer> Current(const std::vector<wire::NetAddress>& current) const;
  void HandleAddr(PeerId id, const wire::Addr& addr) EXCLUDES(mutex_);
  void HandleGetAddr(PeerId id) EXCLUDES(mutex_);
  void Relay(PeerId from, const std::vector<wire::AddrEntry>& entries) EXCLUDES(mutex_);
  void SendAddresses(PeerId id, bool v2, const std::vector<wire::AddrEntry>& entries);

  // Constant after construction (net_ after Attach).
  PeerDatabase& db_;
  const Options options_;
  std::vector<Subnet> whitelist_;
  NetworkManager* net_ = nullptr;

  mutable util::Mutex mutex_;
  std::vector<std::string> dns_seeds_ GUARDED_BY(mutex_);
  std::optional<wire::NetAddress> local_address_ GUARDED_BY(mutex_);
  std::map<PeerId, PeerState> peers_ GUARDED_BY(mutex_);
  uint64_t relay_counter_ GUARDED_BY(mutex_) = 0;
  DnsSeedStatus dns_status_ GUARDED_BY(mutex_);

  util::Mutex dns_mutex_;  // lock order: dns_mutex_ before mutex_
  std::jthread dns_worker_ GUARDED_BY(dns_mutex_);
  std::atomic<bool> dns_running_{false};
};

}  // namespace parthenon::p2p
