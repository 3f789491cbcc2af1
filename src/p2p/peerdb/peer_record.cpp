#include "p2p/peerdb/peer_record.h"

#include <bit>
#include <cmath>

namespace parthenon::p2p {
namespace {

// Version 2 appends wrong_chain_until, version 3 the address-manager table; older records
// still decode (mark 0, table kNone: the database re-adds them to the new table on load).
constexpr uint8_t kRecordVersion = 3;
constexpr uint8_t kRecordVersionWithoutTable = 2;
constexpr uint8_t kRecordVersionWithoutChainMark = 1;
constexpr uint8_t kBanVersion = 1;

class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(std::byte{v}); }
  template <std::unsigned_integral T>
  void Le(T v) {
    const size_t at = out_.size();
    out_.resize(at + sizeof(T));
    util::WriteLE<T>(out_.data() + at, v);
  }
  void I64(int64_t v) { Le(static_cast<uint64_t>(v)); }
  void F64(double v) { Le(std::bit_cast<uint64_t>(v)); }
  void Str(const std::string& s) {
    const size_t n = std::min<size_t>(s.size(), 255);
    U8(static_cast<uint8_t>(n));
    for (size_t i = 0; i < n; ++i) out_.push_back(static_cast<std::byte>(s[i]));
  }
  void Ip(const wire::NetAddress::IpBytes& ip) { out_.insert(out_.end(), ip.begin(), ip.end()); }
  util::Bytes Take() { return std::move(out_); }

 private:
  util::Bytes out_;
};

// Reads fields in order; any shortfall sets failed() and yields zeros.
class Reader {
 public:
  explicit Reader(util::ByteSpan in) : in_(in) {}
  bool failed() const { return failed_; }
  bool done() const { return pos_ == in_.size(); }
  const std::byte* Take(size_t n) {
    if (failed_ || in_.size() - pos_ < n) {
      failed_ = true;
      return nullptr;
    }
    const std::byte* p = in_.data() + pos_;
    pos_ += n;
    return p;
  }
  uint8_t U8() {
    const auto* p = Take(1);
    return p ? static_cast<uint8_t>(*p) : 0;
  }
  template <std::unsigned_integral T>
  T Le() {
    const auto* p = Take(sizeof(T));
    return p ? util::ReadLE<T>(p) : T{0};
  }
  int64_t I64() { return static_cast<int64_t>(Le<uint64_t>()); }
  double F64() { return std::bit_cast<double>(Le<uint64_t>()); }
  std::string Str() {
    const size_t n = U8();
    const auto* p = Take(n);
    return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
  }
  wire::NetAddress::IpBytes Ip() {
    wire::NetAddress::IpBytes ip{};
    if (const auto* p = Take(ip.size())) std::copy(p, p + ip.size(), ip.begin());
    return ip;
  }

 private:
  util::ByteSpan in_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace

util::Bytes PeerKey(const wire::NetAddress& address) {
  util::Bytes key(address.ip().begin(), address.ip().end());
  key.resize(18);
  util::WriteBE<uint16_t>(key.data() + 16, address.port());
  return key;
}

util::Bytes EncodePeerRecord(const PeerRecord& r) {
  Writer w;
  w.U8(kRecordVersion);
  w.Ip(r.address.ip());
  w.Le<uint16_t>(r.address.port());
  w.Le<uint64_t>(r.services);
  for (int64_t t : {r.first_seen, r.last_seen, r.last_attempt, r.last_success, r.last_block,
                    r.last_tx}) {
    w.I64(t);
  }
  w.Le<uint64_t>(r.attempts);
  w.Le<uint64_t>(r.successes);
  w.Le<uint64_t>(r.failures);
  w.I64(r.ban_until);
  w.F64(r.score);
  w.Le<uint64_t>(r.blocks);
  w.Le<uint64_t>(r.txs);
  w.Le<uint64_t>(r.invalid);
  w.Le<uint64_t>(r.violations);
  w.Str(r.source_group);
  w.Str(r.country);
  w.Str(r.asn);
  w.F64(r.latitude);
  w.F64(r.longitude);
  w.Str(r.isp);
  w.I64(r.wrong_chain_until);  // version 2
  w.U8(static_cast<uint8_t>(r.table));  // version 3
  w.Le<uint64_t>(r.connected_seconds);
  return w.Take();
}

std::optional<PeerRecord> DecodePeerRecord(util::ByteSpan bytes) {
  Reader r(bytes);
  const uint8_t version = r.U8();
  if (version < kRecordVersionWithoutChainMark || version > kRecordVersion) return std::nullopt;
  PeerRecord p;
  const auto ip = r.Ip();
  p.address = wire::NetAddress(ip, r.Le<uint16_t>());
  p.services = r.Le<uint64_t>();
  for (int64_t* t : {&p.first_seen, &p.last_seen, &p.last_attempt, &p.last_success,
                     &p.last_block, &p.last_tx}) {
    *t = r.I64();
  }
  p.attempts = r.Le<uint64_t>();
  p.successes = r.Le<uint64_t>();
  p.failures = r.Le<uint64_t>();
  p.ban_until = r.I64();
  p.score = r.F64();
  p.blocks = r.Le<uint64_t>();
  p.txs = r.Le<uint64_t>();
  p.invalid = r.Le<uint64_t>();
  p.violations = r.Le<uint64_t>();
  p.source_group = r.Str();
  p.country = r.Str();
  p.asn = r.Str();
  p.latitude = r.F64();
  p.longitude = r.F64();
  p.isp = r.Str();
  if (version >= kRecordVersionWithoutTable) p.wrong_chain_until = r.I64();
  if (version >= kRecordVersion) {
    const uint8_t table = r.U8();
    if (table > static_cast<uint8_t>(AddrTable::kTried)) return std::nullopt;
    p.table = static_cast<AddrTable>(table);
    p.connected_seconds = r.Le<uint64_t>();
  }
  if (r.failed() || !r.done()) return std::nullopt;
  if (!std::isfinite(p.score) || p.score < 0 || p.score > 100) return std::nullopt;
  if (!std::isfinite(p.latitude) || !std::isfinite(p.longitude)) return std::nullopt;
  return p;
}

util::Bytes EncodeBanEntry(const BanEntry& ban) {
  Writer w;
  w.U8(kBanVersion);
  w.Ip(ban.subnet.network());
  w.U8(static_cast<uint8_t>(ban.subnet.prefix()));
  w.I64(ban.created);
  w.I64(ban.ban_until);
  w.Str(ban.reason);
  return w.Take();
}

std::optional<BanEntry> DecodeBanEntry(util::ByteSpan bytes) {
  Reader r(bytes);
  if (r.U8() != kBanVersion) return std::nullopt;
  const auto ip = r.Ip();
  const int prefix = r.U8();
  BanEntry ban;
  ban.created = r.I64();
  ban.ban_until = r.I64();
  ban.reason = r.Str();
  if (r.failed() || !r.done() || prefix > 128) return std::nullopt;
  ban.subnet = Subnet::FromPrefix(ip, prefix);
  return ban;
}

}  // namespace parthenon::p2p
