#include "p2p/peerdb/mdns_message.h"

namespace parthenon::p2p::mdns {
namespace {

class Reader {
 public:
  explicit Reader(util::ByteSpan in) : in_(in) {}
  bool ok() const { return ok_; }
  size_t pos() const { return pos_; }
  bool done() const { return pos_ == in_.size(); }
  void Fail() { ok_ = false; }
  uint8_t U8() {
    if (!ok_ || pos_ + 1 > in_.size()) return Fail(), 0;
    return std::to_integer<uint8_t>(in_[pos_++]);
  }
  uint16_t U16() { return static_cast<uint16_t>((U8() << 8) | U8()); }
  uint32_t U32() { return (static_cast<uint32_t>(U16()) << 16) | U16(); }
  util::ByteSpan Take(size_t n) {
    if (!ok_ || in_.size() - pos_ < n) return Fail(), util::ByteSpan{};
    auto out = in_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  // A possibly compressed name; leaves the position after the name's first encoding.
  std::string Name() {
    std::string name;
    size_t at = pos_;
    size_t resume = 0;
    int jumps = 0;
    for (;;) {
      if (at >= in_.size()) return Fail(), std::string();
      const uint8_t length = std::to_integer<uint8_t>(in_[at]);
      if ((length & 0xC0) == 0xC0) {
        if (at + 1 >= in_.size() || ++jumps > kMaxPointerJumps) return Fail(), std::string();
        const size_t target = (static_cast<size_t>(length & 0x3F) << 8) |
                              std::to_integer<uint8_t>(in_[at + 1]);
        if (target >= at) return Fail(), std::string();  // only backwards: no loops
        if (resume == 0) resume = at + 2;
        at = target;
        continue;
      }
      if ((length & 0xC0) != 0) return Fail(), std::string();  // reserved label types
      if (length == 0) break;
      if (at + 1 + length > in_.size()) return Fail(), std::string();
      if (!name.empty()) name.push_back('.');
      name.append(reinterpret_cast<const char*>(in_.data() + at + 1), length);
      if (name.size() > kMaxNameBytes) return Fail(), std::string();
      at += 1 + length;
    }
    pos_ = resume != 0 ? resume : at + 1;
    return name;
  }

 private:
  util::ByteSpan in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

void DecodeRdata(Reader& r, Record& record, size_t length) {
  const size_t end = r.pos() + length;
  switch (static_cast<RecordType>(record.type)) {
    case RecordType::kPtr: record.target = r.Name(); break;
    case RecordType::kSrv:
      (void)r.U16();  // priority
      (void)r.U16();  // weight
      record.port = r.U16();
      record.target = r.Name();
      break;
    case RecordType::kTxt:
      while (r.ok() && r.pos() < end) {
        const uint8_t n = r.U8();
        const auto text = r.Take(n);
        record.txt.emplace_back(reinterpret_cast<const char*>(text.data()), text.size());
        if (record.txt.size() > kMaxRecords) r.Fail();
      }
      break;
    case RecordType::kA: {
      const auto bytes = r.Take(4);
      for (size_t i = 0; i < bytes.size(); ++i) record.ipv4[i] = std::to_integer<uint8_t>(bytes[i]);
      break;
    }
    case RecordType::kAaaa: {
      const auto bytes = r.Take(16);
      for (size_t i = 0; i < bytes.size(); ++i) record.ipv6[i] = std::to_integer<uint8_t>(bytes[i]);
      break;
    }
    case RecordType::kAny:
    default: {
      const auto bytes = r.Take(length);
      record.raw.assign(bytes.begin(), bytes.end());
      break;
    }
  }
  if (r.pos() != end) r.Fail();  // rdata length must match what its type consumed
}

class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(std::byte{v}); }
  void U16(uint16_t v) { U8(static_cast<uint8_t>(v >> 8)), U8(static_cast<uint8_t>(v)); }
  void U32(uint32_t v) { U16(static_cast<uint16_t>(v >> 16)), U16(static_cast<uint16_t>(v)); }
  void Raw(util::ByteSpan bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
  void Name(const std::string& name) {
    size_t start = 0;
    while (start < name.size()) {
      size_t dot = name.find('.', start);
      if (dot == std::string::npos) dot = name.size();
      const size_t length = std::min<size_t>(dot - start, 63);
      if (length > 0) {  // an empty label would end the name early
        U8(static_cast<uint8_t>(length));
        Raw(util::AsBytes(std::string_view(name).substr(start, length)));
      }
      start = dot + 1;
    }
    U8(0);
  }
  size_t size() const { return out_.size(); }
  void Patch16(size_t at, uint16_t v) {
    out_[at] = std::byte{static_cast<uint8_t>(v >> 8)};
    out_[at + 1] = std::byte{static_cast<uint8_t>(v)};
  }
  util::Bytes Take() { return std::move(out_); }

 private:
  util::Bytes out_;
};

void EncodeRdata(Writer& w, const Record& record) {
  switch (static_cast<RecordType>(record.type)) {
    case RecordType::kPtr: w.Name(record.target); return;
    case RecordType::kSrv:
      w.U16(0);
      w.U16(0);
      w.U16(record.port);
      w.Name(record.target);
      return;
    case RecordType::kTxt:
      for (const auto& text : record.txt) {
        w.U8(static_cast<uint8_t>(std::min<size_t>(text.size(), 255)));
        w.Raw(util::AsBytes(std::string_view(text).substr(0, 255)));
      }
      return;
    case RecordType::kA:
      for (uint8_t b : record.ipv4) w.U8(b);
      return;
    case RecordType::kAaaa:
      for (uint8_t b : record.ipv6) w.U8(b);
      return;
    case RecordType::kAny:
    default: w.Raw(record.raw); return;
  }
}

}  // namespace

std::optional<Message> Decode(util::ByteSpan packet) {
  if (packet.size() > kMaxPacket) return std::nullopt;
  Reader r(packet);
  Message m;
  m.id = r.U16();
  const uint16_t flags = r.U16();
  m.response = (flags & 0x8000) != 0;
  const uint16_t questions = r.U16();
  const size_t records = size_t{r.U16()} + r.U16() + r.U16();
  if (!r.ok() || questions > kMaxRecords || records > 3 * kMaxRecords) return std::nullopt;
  for (uint16_t i = 0; i < questions && r.ok(); ++i) {
    Question q;
    q.name = r.Name();
    q.type = r.U16();
    const uint16_t klass = r.U16();
    q.unicast_response = (klass & 0x8000) != 0;
    m.questions.push_back(std::move(q));
  }
  for (size_t i = 0; i < records && r.ok(); ++i) {
    Record record;
    record.name = r.Name();
    record.type = r.U16();
    const uint16_t klass = r.U16();
    record.cache_flush = (klass & 0x8000) != 0;
    record.ttl = r.U32();
    const uint16_t length = r.U16();
    if (!r.ok()) break;
    DecodeRdata(r, record, length);
    m.answers.push_back(std::move(record));
  }
  if (!r.ok() || !r.done()) return std::nullopt;
  return m;
}

util::Bytes Encode(const Message& m) {
  Writer w;
  w.U16(m.id);
  w.U16(m.response ? 0x8400 : 0);  // response: QR + AA (RFC 6762 §18.4)
  w.U16(static_cast<uint16_t>(m.questions.size()));
  w.U16(static_cast<uint16_t>(m.answers.size()));
  w.U16(0);
  w.U16(0);
  for (const auto& q : m.questions) {
    w.Name(q.name);
    w.U16(q.type);
    w.U16(static_cast<uint16_t>(1 | (q.unicast_response ? 0x8000 : 0)));  // class IN
  }
  for (const auto& record : m.answers) {
    w.Name(record.name);
    w.U16(record.type);
    w.U16(static_cast<uint16_t>(1 | (record.cache_flush ? 0x8000 : 0)));
    w.U32(record.ttl);
    const size_t length_at = w.size();
    w.U16(0);
    EncodeRdata(w, record);
    w.Patch16(length_at, static_cast<uint16_t>(w.size() - length_at - 2));
  }
  return w.Take();
}

}  // namespace parthenon::p2p::mdns
