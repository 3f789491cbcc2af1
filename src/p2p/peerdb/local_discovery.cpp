#include "p2p/peerdb/local_discovery.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <set>
#include <vector>

#include "p2p/peerdb/mdns_message.h"
#include "util/logging.h"

namespace parthenon::p2p {
namespace {

constexpr uint32_t kTtlSeconds = 120;
constexpr size_t kMaxFound = 256;
constexpr in_addr_t kGroup = 0xE00000FB;  // 224.0.0.251

spdlog::logger& Log() { return util::Log(util::LogCategory::kPeerDb); }

struct Interface {
  unsigned index = 0;
  in_addr address{};
  in_addr netmask{};
};

std::vector<Interface> MulticastInterfaces() {
  std::vector<Interface> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_netmask == nullptr || i->ifa_addr->sa_family != AF_INET) continue;
    if ((i->ifa_flags & IFF_UP) == 0 || (i->ifa_flags & IFF_MULTICAST) == 0 ||
        (i->ifa_flags & IFF_LOOPBACK) != 0) {
      continue;
    }
    Interface entry;
    entry.index = ::if_nametoindex(i->ifa_name);
    entry.address = reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr;
    entry.netmask = reinterpret_cast<const sockaddr_in*>(i->ifa_netmask)->sin_addr;
    out.push_back(entry);
  }
  ::freeifaddrs(list);
  return out;
}

bool SameName(std::string_view a, std::string_view b) {  // DNS names compare case-insensitively
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string RandomInstance() {
  std::random_device device;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "parthenon-";
  for (int i = 0; i < 12; ++i) out.push_back(kHex[device() % 16]);
  return out;
}

}  // namespace

// Owns the socket; runs on LocalDiscovery's thread only (after construction).
class LocalDiscovery::Worker {
 public:
  Worker(Options options, int fd, std::atomic<size_t>& found)
      : options_(std::move(options)), fd_(fd), found_(found) {
    if (options_.instance.empty()) options_.instance = RandomInstance();
    instance_name_ = options_.instance + "." + std::string(kService);
    host_name_ = options_.instance + ".local";
  }
  ~Worker() { ::close(fd_); }

  void Run(std::stop_token stop) {
    auto next_announce = std::chrono::steady_clock::now();
    int quick = 3;  // RFC 6762 §8.3: a few announcements close together at start
    std::vector<std::byte> buffer(mdns::kMaxPacket + 1);
    while (!stop.stop_requested()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= next_announce) {
        RefreshInterfaces();
        SendAll(QueryAndAnnouncement());
        next_announce = now + (quick-- > 0 ? std::chrono::milliseconds(1000) : options_.announce_interval);
      }
      pollfd p{fd_, POLLIN, 0};
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_announce - now).count();
      if (::poll(&p, 1, static_cast<int>(std::clamp<int64_t>(wait, 0, 200))) <= 0) continue;
      sockaddr_in from{};
      socklen_t from_size = sizeof(from);
      const ssize_t n = ::recvfrom(fd_, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_size);
      if (n <= 0 || static_cast<size_t>(n) > mdns::kMaxPacket) continue;
      Handle(util::ByteSpan(buffer.data(), static_cast<size_t>(n)), from.sin_addr);
    }
  }

 private:
  void RefreshInterfaces() {
    interfaces_ = MulticastInterfaces();
    for (const auto& i : interfaces_) {
      ip_mreqn join{};
      join.imr_multiaddr.s_addr = htonl(kGroup);
      join.imr_address = i.address;
      join.imr_ifindex = static_cast<int>(i.index);
      (void)::setsockopt(fd_, IPPROTO_IP, IP_ADD_MEMBERSHIP, &join, sizeof(join));  // EADDRINUSE: joined
    }
  }

  std::vector<mdns::Record> OurRecords(const in_addr& address) const {
    std::vector<mdns::Record> records;
    mdns::Record ptr{.name = std::string(kService), .type = static_cast<uint16_t>(mdns::RecordType::kPtr),
                     .ttl = kTtlSeconds, .target = instance_name_};
    mdns::Record srv{.name = instance_name_, .type = static_cast<uint16_t>(mdns::RecordType::kSrv),
                     .cache_flush = true, .ttl = kTtlSeconds, .target = host_name_, .port = options_.port};
    mdns::Record txt{.name = instance_name_, .type = static_cast<uint16_t>(mdns::RecordType::kTxt),
                     .cache_flush = true, .ttl = kTtlSeconds, .txt = {"chain=" + options_.chain, "v=1"}};
    mdns::Record a{.name = host_name_, .type = static_cast<uint16_t>(mdns::RecordType::kA),
                   .cache_flush = true, .ttl = kTtlSeconds};
    std::memcpy(a.ipv4.data(), &address, 4);
    return {ptr, srv, txt, a};
  }

  // Per interface: our records for that interface's address, plus (optionally) the query.
  std::function<mdns::Message(const Interface&)> QueryAndAnnouncement() const {
    return [this](const Interface& i) {
      mdns::Message m;
      m.response = false;
      m.questions.push_back({std::string(kService), static_cast<uint16_t>(mdns::RecordType::kPtr), false});
      m.answers = OurRecords(i.address);  // known answers double as the announcement
      return m;
    };
  }
  std::function<mdns::Message(const Interface&)> Response() const {
    return [this](const Interface& i) {
      mdns::Message m;
      m.response = true;
      m.answers = OurRecords(i.address);
      return m;
    };
  }

  void SendAll(const std::function<mdns::Message(const Interface&)>& build) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(options_.mdns_port);
    to.sin_addr.s_addr = htonl(kGroup);
    for (const auto& i : interfaces_) {
      ip_mreqn via{};
      via.imr_address = i.address;
      via.imr_ifindex = static_cast<int>(i.index);
      if (::setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_IF, &via, sizeof(via)) != 0) continue;
      const auto bytes = mdns::Encode(build(i));
      if (::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) < 0) {
        Debug("mDNS send failed: {}", std::strerror(errno));
      }
    }
  }

  template <class... Args>
  void Debug(fmt::format_string<Args...> format, Args&&... args) {
    if (!Log().should_log(spdlog::level::debug) || !log_limiter_.Allow()) return;
    Log().debug(format, std::forward<Args>(args)...);
  }

  bool OnOurLink(const in_addr& source) const {
    return std::any_of(interfaces_.begin(), interfaces_.end(), [&](const Interface& i) {
      return (source.s_addr & i.netmask.s_addr) == (i.address.s_addr & i.netmask.s_addr) &&
             source.s_addr != i.address.s_addr;
    });
  }

  void Handle(util::ByteSpan packet, const in_addr& source) {
    auto message = mdns::Decode(packet);
    if (!message) {
      Debug("mDNS: undecodable packet ({} bytes) ignored", packet.size());
      return;
    }
    const bool asks = std::any_of(message->questions.begin(), message->questions.end(), [](const mdns::Question& q) {
      return SameName(q.name, kService) && (q.type == static_cast<uint16_t>(mdns::RecordType::kPtr) ||
                                            q.type == static_cast<uint16_t>(mdns::RecordType::kAny));
    });
    const auto now = std::chrono::steady_clock::now();
    if (asks && now - last_response_ >= std::chrono::seconds(1)) {
      last_response_ = now;
      SendAll(Response());
    }
    // Announcements come as responses and (ours) as the known answers of a query.
    if (OnOurLink(source)) Learn(*message, source);
  }

  void Learn(const mdns::Message& m, const in_addr& source) {
    for (const auto& ptr : m.answers) {
      if (ptr.type != static_cast<uint16_t>(mdns::RecordType::kPtr) || !SameName(ptr.name, kService)) continue;
      if (SameName(ptr.target, instance_name_)) continue;  // ourselves (multicast loop)
      const mdns::Record* srv = Find(m, ptr.target, mdns::RecordType::kSrv);
      const mdns::Record* txt = Find(m, ptr.target, mdns::RecordType::kTxt);
      if (srv == nullptr || txt == nullptr || srv->port == 0) continue;
      const std::string wanted = "chain=" + options_.chain;
      if (std::find(txt->txt.begin(), txt->txt.end(), wanted) == txt->txt.end()) {
        Debug("mDNS: {} is on another chain; ignored", ptr.target);
        continue;
      }
      const mdns::Record* a = Find(m, srv->target, mdns::RecordType::kA);
      if (a == nullptr || std::memcmp(a->ipv4.data(), &source, 4) != 0) {
        Debug("mDNS: {} names an address that is not its own; ignored", ptr.target);
        continue;
      }
      const auto address = wire::NetAddress::FromIPv4(a->ipv4, srv->port);
      if (seen_.size() >= kMaxFound || !seen_.insert(address).second) continue;
      ++found_;
      Log().info("local discovery: found {} ({})", address.ToString(), ptr.target);
      if (options_.on_found) options_.on_found(address);
    }
  }

  static const mdns::Record* Find(const mdns::Message& m, const std::string& name, mdns::RecordType type) {
    for (const auto& r : m.answers) {
      if (r.type == static_cast<uint16_t>(type) && SameName(r.name, name)) return &r;
    }
    return nullptr;
  }

  Options options_;
  const int fd_;
  std::atomic<size_t>& found_;
  std::string instance_name_;
  std::string host_name_;
  std::vector<Interface> interfaces_;
  std::set<wire::NetAddress> seen_;
  std::chrono::steady_clock::time_point last_response_{};
  util::LogRateLimiter log_limiter_{1, 20};
};

std::expected<std::unique_ptr<LocalDiscovery>, std::string> LocalDiscovery::Start(Options options) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::unexpected(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  const unsigned char ttl = 255;  // RFC 6762 §11
  (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  (void)::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
  sockaddr_in bind_to{};
  bind_to.sin_family = AF_INET;
  bind_to.sin_port = htons(options.mdns_port);
  bind_to.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&bind_to), sizeof(bind_to)) != 0) {
    const std::string error = std::string("bind to port ") + std::to_string(options.mdns_port) + ": " + std::strerror(errno);
    ::close(fd);
    return std::unexpected(error);
  }
  std::unique_ptr<LocalDiscovery> discovery(new LocalDiscovery());
  discovery->worker_ = std::make_unique<Worker>(std::move(options), fd, discovery->found_);
  discovery->thread_ = std::jthread([worker = discovery->worker_.get()](std::stop_token stop) { worker->Run(stop); });
  return discovery;
}

LocalDiscovery::~LocalDiscovery() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

}  // namespace parthenon::p2p
