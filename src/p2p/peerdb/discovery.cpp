#include "p2p/peerdb/discovery.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "p2p/peerdb/netgroup.h"
#include "util/logging.h"

namespace parthenon::p2p {
namespace {

spdlog::logger& Log() { return util::Log(util::LogCategory::kPeerDb); }

// getaddrinfo's A and AAAA answers for `name`, with `port`.
std::expected<std::vector<wire::NetAddress>, std::string> Resolve(const std::string& name, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  std::vector<wire::NetAddress> out;
  if (const int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &result); rc != 0) {
    return std::unexpected(std::string(::gai_strerror(rc)));
  }
  for (const addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
      wire::NetAddress::Ipv4Octets octets;
      std::memcpy(octets.data(), &sin->sin_addr, 4);
      out.push_back(wire::NetAddress::FromIPv4(octets, port));
    } else if (ai->ai_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
      wire::NetAddress::IpBytes ip;
      std::memcpy(ip.data(), &sin6->sin6_addr, 16);
      out.emplace_back(ip, port);
    }
  }
  ::freeaddrinfo(result);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

Discovery::Discovery(PeerDatabase& db, Options options)
    : db_(db), options_(std::move(options)), dns_seeds_(options_.dns_seeds) {
  local_address_ = options_.local_address;
  for (const auto& entry : options_.whitelist) {
    if (auto subnet = Subnet::Parse(entry)) whitelist_.push_back(*subnet);
  }
  for (const auto& entry : options_.bootstrap) {
    auto address = wire::NetAddress::ParseEndpoint(entry);
    if (!address) address = wire::NetAddress::Parse(entry, options_.default_port);
    if (address) {
      db_.AddPeer(*address, 0, options_.clock->UnixSeconds());
    } else {
      Log().warn("bootstrap peer {} is not an IP address; ignored", entry);
    }
  }
}

Discovery::~Discovery() {
  util::MutexLock lock(dns_mutex_);
  if (dns_worker_.joinable()) dns_worker_.join();
}

void Discovery::Install(NetworkManager::Options& options) {
  options.address_source = [this](const std::vector<wire::NetAddress>& current) {
    return NextOutbound(current);
  };
  options.inbound_eviction = [this](const std::vector<PeerInfo>& inbound) {
    return ChooseEvictionVictim(inbound);
  };
  options.feeler_source = [this](const std::vector<wire::NetAddress>& current) {
    return NextFeeler(current);
  };
}

void Discovery::Attach(NetworkManager& net) { net_ = &net; }

void Discovery::SetLocalAddress(const wire::NetAddress& address) {
  util::MutexLock lock(mutex_);
  local_address_ = address;
}

void Discovery::AddDNSSeed(const std::string& name) {
  util::MutexLock lock(mutex_);
  if (std::find(dns_seeds_.begin(), dns_seeds_.end(), name) == dns_seeds_.end()) {
    dns_seeds_.push_back(name);
  }
}

size_t Discovery::QueryDNSSeeds() {
  std::vector<std::string> seeds;
  {
    util::MutexLock lock(mutex_);
    seeds = dns_seeds_;
  }
  size_t added = 0;
  std::vector<std::string> failures;
  for (const auto& seed : seeds) {
    auto addresses = options_.resolve ? options_.resolve(seed, options_.default_port)
                                      : Resolve(seed, options_.default_port);
    if (!addresses) {
      failures.push_back(seed + ": " + addresses.error());
      continue;
    }
    for (const auto& address : *addresses) {
      if (!InScope(address, options_.scope)) continue;
      added += db_.AddPeer(address, wire::kNodeNetwork, options_.clock->UnixSeconds());
    }
  }
  DnsSeedStatus status;
  {
    util::MutexLock lock(mutex_);
    dns_status_.rounds++;
    if (added > 0) {
      dns_status_.empty_rounds_in_a_row = 0;
      dns_status_.backoff = options_.dns_retry_initial;
    } else {
      dns_status_.empty_rounds_in_a_row++;
      dns_status_.backoff = dns_status_.empty_rounds_in_a_row == 1
                                ? options_.dns_retry_initial
                                : std::min(dns_status_.backoff * 2, options_.dns_retry_max);
    }
    dns_status_.next_round = options_.clock->SteadyNow() + dns_status_.backoff;
    status = dns_status_;
  }
  // Only news is worth an info line: addresses found, or the first round of a dry spell.
  const auto level = added > 0 || status.empty_rounds_in_a_row == 1 ? spdlog::level::info : spdlog::level::debug;
  for (const auto& failure : failures) Log().log(level, "DNS seed {}", failure);
  Log().log(level, "DNS seeds: {} new addresses from {} seeds; next round in {} s", added, seeds.size(),
            status.backoff.count());
  return added;
}

bool Discovery::QueryDNSSeedsIfNeeded() {
  {
    util::MutexLock lock(mutex_);
    if (dns_seeds_.empty()) return false;
    if (options_.clock->SteadyNow() < dns_status_.next_round) return false;
  }
  if (db_.GetGoodPeers(options_.min_good_peers).size() >= options_.min_good_peers) return false;
  util::MutexLock lock(dns_mutex_);
  if (dns_running_.exchange(true)) return false;
  if (dns_worker_.joinable()) dns_worker_.join();  // the previous query has finished
  dns_worker_ = std::jthread([this] {
    QueryDNSSeeds();
    dns_running_ = false;
  });
  return true;
}

Discovery::DnsSeedStatus Discovery::GetDnsSeedStatus() const {
  util::MutexLock lock(mutex_);
  return dns_status_;
}

void Discovery::OnPeerConnected(const PeerInfo& info) {
  const auto canonical = info.direction == Direction::kOutbound ? info.address
                                                                : db_.Canonical(info.address);
  std::optional<wire::NetAddress> local;
  {
    util::MutexLock lock(mutex_);
    peers_.insert_or_assign(
        info.id, PeerState{canonical, info.address, info.direction, false,
                           transport::TokenBucket(options_.addr_rate_per_second,
                                                  options_.addr_burst,
                                                  options_.clock->SteadyNow()),
                           info.addrv2, info.connection_type});
    local = local_address_;
  }
  const bool relays_addresses = Relays(info.connection_type);
  if (info.direction == Direction::kOutbound) {
    db_.RecordSuccessfulConnection(canonical);
    if (info.services) db_.AddPeer(canonical, info.services);
  } else {
    db_.UpdateLastSeen(canonical);
  }
  if (options_.geoip) {
    if (auto geo = options_.geoip->Lookup(info.address)) {
      db_.SetPeerGeolocation(canonical, geo->country, geo->asn, geo->latitude, geo->longitude,
                             geo->isp);
    }
  }
  if (!net_ || !relays_addresses) return;
  if (info.direction == Direction::kOutbound) (void)net_->Send(info.id, wire::GetAddr{});
  if (local) {
    SendAddresses(info.id, info.addrv2,
                  {{static_cast<uint32_t>(options_.clock->UnixSeconds()),
                    {options_.local_services, *local}}});
  }
}

void Discovery::OnPeerDisconnected(const PeerInfo& info) {
  std::optional<wire::NetAddress> record;
  {
    util::MutexLock lock(mutex_);
    if (auto it = peers_.find(info.id); it != peers_.end()) record = it->second.address;
    peers_.erase(info.id);
  }
  if (record && info.connected_since != std::chrono::system_clock::time_point{}) {
    const auto lasted = std::chrono::duration_cast<std::chrono::seconds>(options_.clock->Now() -
                                                                         info.connected_since);
    if (lasted.count() > 0) db_.RecordConnectedTime(*record, static_cast<uint64_t>(lasted.count()));
  }
  if (info.direction != Direction::kOutbound) return;
  switch (info.disconnect_reason) {
    case DisconnectReason::kConnectFailed:
    case DisconnectReason::kHandshakeTimeout:
    case DisconnectReason::kWrongNetwork:
    case DisconnectReason::kObsoleteVersion:
    case DisconnectReason::kTlsRequired:  // it does not speak TLS and we require it
    case DisconnectReason::kTlsFailed:    // handshake or verification (pin, CA, expiry) failed
      db_.RecordFailedConnection(info.address);
      break;
    case DisconnectReason::kTlsUpgrade:  // not a failure: redialled with TLS at once
    case DisconnectReason::kNone:
    case DisconnectReason::kRequested:
    case DisconnectReason::kShutdown:
    case DisconnectReason::kPeerClosed:
    case DisconnectReason::kIoError:
    case DisconnectReason::kSelfConnection:
    case DisconnectReason::kDuplicate:
    case DisconnectReason::kInactivity:
    case DisconnectReason::kPingTimeout:
    case DisconnectReason::kWriteTimeout:
    case DisconnectReason::kSendQueueFull:
    case DisconnectReason::kMisbehavior:
    case DisconnectReason::kDiscouraged:  // the policy charged it already
    case DisconnectReason::kWrongChain:   // the policy marked it (not dialled for a long while)
    case DisconnectReason::kBanned:
      break;
  }
}

bool Discovery::OnMessage(PeerId id, const wire::Message& message) {
  if (const auto* addr = std::get_if<wire::Addr>(&message)) {
    HandleAddr(id, *addr);
    return true;
  }
  if (const auto* addrv2 = std::get_if<wire::AddrV2>(&message)) {
    // BIP155: IPv4/IPv6 entries are stored like addr entries; other networks (Tor, I2P, CJDNS,
    // unknown ids) cannot be dialled by this node and are dropped, as Core drops what it
    // does not support.
    wire::Addr converted;
    for (const auto& entry : addrv2->entries) {
      if (auto address = entry.ToNetAddress()) {
        converted.entries.push_back({entry.time, {entry.services, *address}});
      }
    }
    HandleAddr(id, converted);
    return true;
  }
  if (std::holds_alternative<wire::GetAddr>(message)) {
    HandleGetAddr(id);
    return true;
  }
  return false;
}

void Discovery::HandleAddr(PeerId id, const wire::Addr& addr) {
  std::string source_group;
  wire::NetAddress remote;
  size_t allowed = 0;
  std::optional<wire::NetAddress> local;
  {
    util::MutexLock lock(mutex_);
    auto it = peers_.find(id);
    if (it == peers_.end() || !it->second.RelaysAddresses()) return;  // ignored (Core)
    remote = it->second.remote;
    source_group = db_.GroupOf(remote);
    local = local_address_;
    // Rate limit: entries beyond the peer's budget are dropped (Bitcoin Core's 0.1/s, 1000 burst).
    auto& budget = it->second.addr_budget;
    const auto now = options_.clock->SteadyNow();
    const double tokens = budget.tokens(now);
    allowed = tokens <= 0 ? 0 : std::min(addr.entries.size(), static_cast<size_t>(tokens));
    budget.Take(static_cast<double>(allowed), now);
  }
  const int64_t now = options_.clock->UnixSeconds();
  std::vector<wire::AddrEntry> fresh;
  for (size_t i = 0; i < allowed; ++i) {
    const auto& entry = addr.entries[i];
    const auto& address = entry.service.address;
    if (!InScope(address, options_.scope) || address == local || address == remote) continue;
    if (db_.IsBanned(address)) continue;
    // Times from the future are clamped; ancient ones are stored as seen 5 days ago (Core).
    int64_t seen = std::min<int64_t>(entry.time, now);
    if (seen <= 100'000'000) seen = now - 5 * 24 * 3600;
    const bool is_new = db_.AddPeer(address, entry.service.services, seen, source_group);
    if (is_new && addr.entries.size() <= options_.max_relay_entries &&
        now - seen <= options_.fresh_age.count()) {
      fresh.push_back(entry);
    }
  }
  if (!fresh.empty()) Relay(id, fresh);
}

void Discovery::HandleGetAddr(PeerId id) {
  {
    util::MutexLock lock(mutex_);
    auto it = peers_.find(id);
    if (it == peers_.end() || it->second.answered_getaddr) return;  // once per connection
    if (!it->second.RelaysAddresses()) return;
    it->second.answered_getaddr = true;
  }
  bool v2 = false;
  {
    util::MutexLock lock(mutex_);
    if (auto it = peers_.find(id); it != peers_.end()) v2 = it->second.addrv2;
  }
  std::vector<wire::AddrEntry> answer;
  for (const auto& record : db_.GetGoodPeers(options_.max_addr_response)) {
    if (!InScope(record.address, options_.scope)) continue;
    answer.push_back({static_cast<uint32_t>(std::max<int64_t>(record.last_seen, 0)),
                      {record.services, record.address}});
  }
  if (!answer.empty()) SendAddresses(id, v2, answer);
}

void Discovery::SendAddresses(PeerId id, bool v2, const std::vector<wire::AddrEntry>& entries) {
  if (!net_) return;
  if (!v2) {
    (void)net_->Send(id, wire::Addr{entries});
    return;
  }
  wire::AddrV2 message;
  message.entries.reserve(entries.size());
  for (const auto& entry : entries) {
    message.entries.push_back(
        wire::AddrV2Entry::FromNetAddress(entry.time, entry.service.services, entry.service.address));
  }
  (void)net_->Send(id, message);
}

void Discovery::Relay(PeerId from, const std::vector<wire::AddrEntry>& entries) {
  if (!net_) return;
  std::vector<std::pair<PeerId, bool>> targets;  // peer, wants addrv2
  uint64_t rotation = 0;
  {
    util::MutexLock lock(mutex_);
    for (const auto& [id, state] : peers_) {
      if (id != from && state.RelaysAddresses()) targets.emplace_back(id, state.addrv2);
    }
    rotation = relay_counter_++;
  }
  if (targets.empty()) return;
  // A rotating start spreads successive relays over all peers.
  const size_t start = static_cast<size_t>(rotation % targets.size());
  for (size_t i = 0; i < std::min(options_.relay_fanout, targets.size()); ++i) {
    const auto& [id, v2] = targets[(start + i) % targets.size()];
    SendAddresses(id, v2, entries);
  }
}

std::vector<OutboundPeer> Discovery::Current(const std::vector<wire::NetAddress>& current) const {
  std::vector<OutboundPeer> peers;
  for (const auto& address : current) {
    OutboundPeer peer{address, {}, {}, db_.GroupOf(address)};
    if (auto record = db_.GetPeer(address)) {
      peer.country = record->country;
      peer.source_group = record->source_group;
    }
    peers.push_back(std::move(peer));
  }
  return peers;
}

std::vector<OutboundCandidate> Discovery::Candidates(const std::vector<wire::NetAddress>& addresses,
                                                     int64_t now) const {
  std::vector<OutboundCandidate> candidates;
  candidates.reserve(addresses.size());
  for (const auto& address : addresses) {
    const auto r = db_.GetPeer(address);
    if (!r || db_.IsBanned(address) || r->wrong_chain_until > now) continue;
    if (!InScope(address, options_.scope)) continue;
    candidates.push_back({address, r->score, r->country, r->source_group, r->last_attempt,
                          db_.GroupOf(address)});
  }
  return candidates;
}

std::optional<wire::NetAddress> Discovery::NextOutbound(
    const std::vector<wire::NetAddress>& current) {
  SelectionRules rules = options_.selection;
  rules.now = options_.clock->UnixSeconds();
  const auto peers = Current(current);
  // Draws with Core's tried/new bias, then the score and diversity rules among them; a second,
  // larger draw when the first yields nothing dialable (a young or mostly-connected table).
  std::optional<wire::NetAddress> next;
  for (size_t draws : {kDrawsPerSelection, kDrawsPerSelection * 16}) {
    next = SelectOutbound(Candidates(db_.DrawAddresses(draws, false), rules.now), peers, rules);
    if (next) break;
  }
  if (!next) {
    QueryDNSSeedsIfNeeded();
    return std::nullopt;
  }
  db_.RecordConnectionAttempt(*next);
  return next;
}

std::optional<wire::NetAddress> Discovery::NextFeeler(const std::vector<wire::NetAddress>& current) {
  db_.ResolveCollisions();
  SelectionRules rules = options_.selection;
  rules.now = options_.clock->UnixSeconds();
  rules.max_per_source_group = std::numeric_limits<size_t>::max();  // a feeler is no slot
  std::vector<wire::NetAddress> draws;
  if (auto occupant = db_.CollisionToTest()) draws.push_back(*occupant);
  const auto fresh = db_.DrawAddresses(kDrawsPerSelection, /*new_only=*/true);
  draws.insert(draws.end(), fresh.begin(), fresh.end());
  std::vector<OutboundPeer> peers;  // only "not connected" matters: no group rule for feelers
  for (const auto& address : current) peers.push_back({address, {}, {}, address.ToString()});
  for (auto& candidate : Candidates(draws, rules.now)) {
    const OutboundCandidate one[] = {std::move(candidate)};
    if (auto pick = SelectOutbound(one, peers, rules)) {
      db_.RecordConnectionAttempt(*pick);
      return pick;
    }
  }
  return std::nullopt;
}

std::optional<PeerId> Discovery::ChooseEvictionVictim(const std::vector<PeerInfo>& inbound) {
  std::vector<EvictionCandidate> candidates;
  for (const auto& info : inbound) {
    EvictionCandidate c;
    c.id = info.id;
    c.address = info.address;
    if (info.min_ping) c.min_ping = *info.min_ping;
    // Not through the handshake yet: the youngest of all (never protected for uptime).
    const auto since = info.connected_since == std::chrono::system_clock::time_point{}
                           ? options_.clock->Now()
                           : info.connected_since;
    c.connected_since =
        std::chrono::duration_cast<std::chrono::seconds>(since.time_since_epoch()).count();
    c.protected_peer = std::any_of(whitelist_.begin(), whitelist_.end(),
                                   [&](const Subnet& s) { return s.Contains(info.address); });
    if (auto record = db_.GetPeer(db_.Canonical(info.address))) {
      c.last_block = record->last_block;
      c.last_tx = record->last_tx;
      c.score = record->score;
    }
    candidates.push_back(std::move(c));
  }
  return SelectNodeToEvict(std::move(candidates), options_.eviction);
}

}  // namespace parthenon::p2p
