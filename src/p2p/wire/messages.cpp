#include "p2p/wire/messages.h"

#include <type_traits>
#include <utility>

namespace parthenon::p2p::wire {
namespace {

using primitives::Writer;

// A primitives::Reader plus the wire rules it does not know (entry caps, headers tx count).
// Errors are sticky: the first one, wire or serialization, is the one reported.
class PayloadReader {
 public:
  explicit PayloadReader(util::ByteSpan payload) : in_(payload) {}

  primitives::Reader& in() { return in_; }

  // An entry count: kTooManyEntries above `cap`; kTruncated if the rest of the payload cannot
  // hold that many entries of at least `min_entry_size` bytes (checked before allocating).
  size_t Count(size_t cap, size_t min_entry_size) {
    const uint64_t count = in_.CompactSize();
    if (!in_.ok()) return 0;
    if (count > cap) {
      Fail(Error::kTooManyEntries);
      return 0;
    }
    if (count * min_entry_size > in_.remaining()) {
      Fail(Error::kTruncated);
      return 0;
    }
    return static_cast<size_t>(count);
  }

  // A var_str of at most `cap` bytes (kFieldTooLarge above).
  std::string String(size_t cap) {
    const util::Bytes bytes = in_.VarBytes(cap);
    return std::string(util::AsChars(bytes));
  }

  void Fail(Error error) {
    if (in_.ok()) error_ = error;
    in_.Fail(primitives::Error::kTruncated);  // stops further reads
  }

  [[nodiscard]] Result<void> Finish() const {
    if (error_) return std::unexpected(*error_);
    if (auto finished = in_.Finish(); !finished) {
      return std::unexpected(FromSerializeError(finished.error()));
    }
    return {};
  }

 private:
  primitives::Reader in_;
  std::optional<Error> error_;
};

template <class T>
using Tag = std::type_identity<T>;

// --- Shared pieces ---------------------------------------------------------------------------

void WriteNetAddress(Writer& out, const NetAddress& address) {
  out.Raw(address.ip());
  std::array<std::byte, 2> port;
  util::WriteBE<uint16_t>(port.data(), address.port());
  out.Raw(port);
}

NetAddress ReadNetAddress(primitives::Reader& in) {
  const util::ByteSpan ip = in.Raw(NetAddress::kSize);
  const util::ByteSpan port = in.Raw(2);
  if (!in.ok()) return {};
  NetAddress::IpBytes bytes;
  std::copy(ip.begin(), ip.end(), bytes.begin());
  return NetAddress(bytes, util::ReadBE<uint16_t>(port.data()));
}

void WriteService(Writer& out, const ServiceAddress& service) {
  out.U64(service.services);
  WriteNetAddress(out, service.address);
}

ServiceAddress ReadService(primitives::Reader& in) {
  ServiceAddress service;
  service.services = in.U64();
  service.address = ReadNetAddress(in);
  return service;
}

void WriteItems(Writer& out, const std::vector<InvItem>& items) {
  out.CompactSize(items.size());
  for (const InvItem& item : items) {
    out.U32(static_cast<uint32_t>(item.type));
    out.Hash(item.hash);
  }
}

std::vector<InvItem> ReadItems(PayloadReader& in) {
  std::vector<InvItem> items(in.Count(kMaxInvEntries, kInvEntrySize));
  for (InvItem& item : items) {
    item.type = static_cast<InvType>(in.in().U32());
    item.hash = in.in().Hash();
  }
  return items;
}

template <class T>
void WriteLocator(Writer& out, const T& message) {
  out.U32(message.version);
  out.CompactSize(message.locator.size());
  for (const crypto::Uint256& hash : message.locator) out.Hash(hash);
  out.Hash(message.stop_hash);
}

template <class T>
T ReadLocator(PayloadReader& in) {
  T message;
  message.version = in.in().U32();
  message.locator.resize(in.Count(kMaxLocatorEntries, kHashSize));
  for (crypto::Uint256& hash : message.locator) hash = in.in().Hash();
  message.stop_hash = in.in().Hash();
  return message;
}

// --- Per-message codecs ----------------------------------------------------------------------

void Write(Writer& out, const Version& m) {
  out.I32(m.version);
  out.U64(m.services);
  out.I64(m.timestamp);
  WriteService(out, m.addr_recv);
  WriteService(out, m.addr_from);
  out.U64(m.nonce);
  out.VarBytes(util::AsBytes(m.user_agent));
  out.I32(m.start_height);
  if (m.relay) out.U8(*m.relay ? 1 : 0);
}

Version Read(PayloadReader& in, Tag<Version>) {
  Version m;
  m.version = in.in().I32();
  m.services = in.in().U64();
  m.timestamp = in.in().I64();
  m.addr_recv = ReadService(in.in());
  m.addr_from = ReadService(in.in());
  m.nonce = in.in().U64();
  m.user_agent = in.String(kMaxUserAgentSize);
  m.start_height = in.in().I32();
  if (in.in().ok() && !in.in().empty()) m.relay = in.in().U8() != 0;
  // Later protocol versions may append fields: ignored, as Bitcoin Core does.
  if (in.in().ok()) (void)in.in().Raw(in.in().remaining());
  return m;
}

void Write(Writer& out, const Ping& m) { out.U64(m.nonce); }
Ping Read(PayloadReader& in, Tag<Ping>) { return Ping{in.in().U64()}; }
void Write(Writer& out, const Pong& m) { out.U64(m.nonce); }
Pong Read(PayloadReader& in, Tag<Pong>) { return Pong{in.in().U64()}; }

void Write(Writer& out, const Addr& m) {
  out.CompactSize(m.entries.size());
  for (const AddrEntry& entry : m.entries) {
    out.U32(entry.time);
    WriteService(out, entry.service);
  }
}

Addr Read(PayloadReader& in, Tag<Addr>) {
  Addr m;
  m.entries.resize(in.Count(kMaxAddrEntries, kAddrEntrySize));
  for (AddrEntry& entry : m.entries) {
    entry.time = in.in().U32();
    entry.service = ReadService(in.in());
  }
  return m;
}

void Write(Writer& out, const Inv& m) { WriteItems(out, m.items); }
Inv Read(PayloadReader& in, Tag<Inv>) { return Inv{ReadItems(in)}; }
void Write(Writer& out, const GetData& m) { WriteItems(out, m.items); }
GetData Read(PayloadReader& in, Tag<GetData>) { return GetData{ReadItems(in)}; }
void Write(Writer& out, const NotFound& m) { WriteItems(out, m.items); }
NotFound Read(PayloadReader& in, Tag<NotFound>) { return NotFound{ReadItems(in)}; }

void Write(Writer& out, const GetHeaders& m) { WriteLocator(out, m); }
GetHeaders Read(PayloadReader& in, Tag<GetHeaders>) { return ReadLocator<GetHeaders>(in); }
void Write(Writer& out, const GetBlocks& m) { WriteLocator(out, m); }
GetBlocks Read(PayloadReader& in, Tag<GetBlocks>) { return ReadLocator<GetBlocks>(in); }

void Write(Writer& out, const Headers& m) {
  out.CompactSize(m.headers.size());
  for (const primitives::BlockHeader& header : m.headers) {
    primitives::Serialize(out, header);
    out.CompactSize(0);
  }
}

Headers Read(PayloadReader& in, Tag<Headers>) {
  Headers m;
  m.headers.resize(in.Count(kMaxHeadersEntries, kHeaderEntryMinSize));
  for (primitives::BlockHeader& header : m.headers) {
    header = primitives::ReadBlockHeader(in.in());
    if (in.in().CompactSize() != 0) in.Fail(Error::kHeadersTxCountNonZero);
  }
  return m;
}

void Write(Writer& out, const BlockMessage& m) { primitives::Serialize(out, m.block, m.witness); }
BlockMessage Read(PayloadReader& in, Tag<BlockMessage>) {
  return BlockMessage{primitives::ReadBlock(in.in())};
}
void Write(Writer& out, const TxMessage& m) { primitives::Serialize(out, m.tx, m.witness); }
TxMessage Read(PayloadReader& in, Tag<TxMessage>) {
  return TxMessage{primitives::ReadTransaction(in.in())};
}

void Write(Writer& out, const Reject& m) {
  out.VarBytes(util::AsBytes(m.message));
  out.U8(m.code);
  out.VarBytes(util::AsBytes(m.reason));
  if (m.data) out.Hash(*m.data);
}

Reject Read(PayloadReader& in, Tag<Reject>) {
  Reject m;
  m.message = in.String(kCommandSize);
  m.code = in.in().U8();
  m.reason = in.String(kMaxRejectReasonSize);
  // The hash is present exactly when 32 bytes remain; anything else is trailing garbage.
  if (in.in().ok() && in.in().remaining() == kHashSize) m.data = in.in().Hash();
  return m;
}

// BIP155 address length of a known network id (0: unknown id, any length up to the cap).
size_t AddrV2Length(uint8_t network) {
  switch (static_cast<AddrV2Network>(network)) {
    case AddrV2Network::kIpv4: return 4;
    case AddrV2Network::kIpv6: return 16;
    case AddrV2Network::kTorV2: return 10;
    case AddrV2Network::kTorV3: return 32;
    case AddrV2Network::kI2p: return 32;
    case AddrV2Network::kCjdns: return 16;
  }
  return 0;
}

void Write(Writer& out, const AddrV2& m) {
  out.CompactSize(m.entries.size());
  for (const AddrV2Entry& entry : m.entries) {
    out.U32(entry.time);
    out.CompactSize(entry.services);
    out.U8(entry.network);
    out.VarBytes(entry.address);
    std::array<std::byte, 2> port;
    util::WriteBE<uint16_t>(port.data(), entry.port);
    out.Raw(port);
  }
}

AddrV2 Read(PayloadReader& in, Tag<AddrV2>) {
  AddrV2 m;
  m.entries.resize(in.Count(kMaxAddrEntries, kAddrV2EntryMinSize));
  for (AddrV2Entry& entry : m.entries) {
    entry.time = in.in().U32();
    entry.services = in.in().CompactSize();
    entry.network = in.in().U8();
    entry.address = in.in().VarBytes(kMaxAddrV2AddressSize);
    const util::ByteSpan port = in.in().Raw(2);
    if (!in.in().ok()) break;
    entry.port = util::ReadBE<uint16_t>(port.data());
    const size_t expected = AddrV2Length(entry.network);
    if (expected != 0 && entry.address.size() != expected) {
      in.Fail(Error::kFieldTooLarge);  // BIP155: a known network with a wrong length
      break;
    }
  }
  return m;
}

// --- BIP152 compact blocks ---

void Write(Writer& out, const SendCmpct& m) {
  out.U8(m.announce ? 1 : 0);
  out.U64(m.version);
}
SendCmpct Read(PayloadReader& in, Tag<SendCmpct>) {
  SendCmpct m;
  m.announce = in.in().U8() != 0;
  m.version = in.in().U64();
  return m;
}

// Differential index encoding: each position is written as its distance past the previous
// one (`previous` is -1 before the first). REQUIRES: positions increasing.
void WriteDifferential(Writer& out, uint32_t index, int64_t& previous) {
  out.CompactSize(static_cast<uint64_t>(int64_t{index} - previous - 1));
  previous = index;
}

// The next absolute position after `previous` (-1 before the first); a position beyond 16
// bits is kFieldTooLarge (BIP152 / Core: "indexes overflowed 16 bits").
uint32_t ReadDifferential(PayloadReader& in, int64_t& previous) {
  const uint64_t gap = in.in().CompactSize();
  if (!in.in().ok()) return 0;
  if (gap > 0xffff || previous + 1 + static_cast<int64_t>(gap) > 0xffff) {
    in.Fail(Error::kFieldTooLarge);
    return 0;
  }
  previous += 1 + static_cast<int64_t>(gap);
  return static_cast<uint32_t>(previous);
}

void Write(Writer& out, const CmpctBlock& m) {
  primitives::Serialize(out, m.header);
  out.U64(m.nonce);
  out.CompactSize(m.short_ids.size());
  for (const uint64_t id : m.short_ids) {
    std::array<std::byte, 8> bytes;
    util::WriteLE<uint64_t>(bytes.data(), id);
    out.Raw(std::span(bytes).first(kShortIdSize));
  }
  out.CompactSize(m.prefilled.size());
  int64_t previous = -1;
  for (const PrefilledTransaction& p : m.prefilled) {
    WriteDifferential(out, p.index, previous);
    primitives::Serialize(out, p.tx, primitives::WitnessMode::kInclude);
  }
}

CmpctBlock Read(PayloadReader& in, Tag<CmpctBlock>) {
  CmpctBlock m;
  m.header = primitives::ReadBlockHeader(in.in());
  m.nonce = in.in().U64();
  m.short_ids.resize(in.Count(kMaxBlockTransactions, kShortIdSize));
  for (uint64_t& id : m.short_ids) {
    const util::ByteSpan bytes = in.in().Raw(kShortIdSize);
    if (!in.in().ok()) break;
    std::array<std::byte, 8> word{};
    std::copy(bytes.begin(), bytes.end(), word.begin());
    id = util::ReadLE<uint64_t>(word.data());
  }
  m.prefilled.resize(
      in.Count(kMaxBlockTransactions - m.short_ids.size(), 1 + kMinSerializableTxSize));
  int64_t previous = -1;
  for (PrefilledTransaction& p : m.prefilled) {
    p.index = ReadDifferential(in, previous);
    p.tx = primitives::ReadTransaction(in.in());
    if (!in.in().ok()) break;
  }
  return m;
}

void Write(Writer& out, const GetBlockTxn& m) {
  out.Hash(m.block_hash);
  out.CompactSize(m.indexes.size());
  int64_t previous = -1;
  for (const uint32_t index : m.indexes) WriteDifferential(out, index, previous);
}

GetBlockTxn Read(PayloadReader& in, Tag<GetBlockTxn>) {
  GetBlockTxn m;
  m.block_hash = in.in().Hash();
  m.indexes.resize(in.Count(kMaxBlockTransactions, 1));
  int64_t previous = -1;
  for (uint32_t& index : m.indexes) {
    index = ReadDifferential(in, previous);
    if (!in.in().ok()) break;
  }
  return m;
}

void Write(Writer& out, const BlockTxn& m) {
  out.Hash(m.block_hash);
  out.CompactSize(m.transactions.size());
  for (const auto& tx : m.transactions) {
    primitives::Serialize(out, tx, primitives::WitnessMode::kInclude);
  }
}

BlockTxn Read(PayloadReader& in, Tag<BlockTxn>) {
  BlockTxn m;
  m.block_hash = in.in().Hash();
  m.transactions.resize(in.Count(kMaxBlockTransactions, kMinSerializableTxSize));
  for (auto& tx : m.transactions) {
    tx = primitives::ReadTransaction(in.in());
    if (!in.in().ok()) break;
  }
  return m;
}

void Write(Writer& out, const FeeFilter& m) { out.I64(m.fee_rate); }
FeeFilter Read(PayloadReader& in, Tag<FeeFilter>) { return FeeFilter{in.in().I64()}; }

// Messages without a payload.
template <class T>
  requires std::is_empty_v<T>
void Write(Writer&, const T&) {}
template <class T>
  requires std::is_empty_v<T>
T Read(PayloadReader&, Tag<T>) {
  return T{};
}

void Write(Writer& out, const Unknown& m) { out.Raw(m.payload); }

// --- Dispatch, derived from the command list -------------------------------------------------

template <class T>
Result<Message> DecodeAs(util::ByteSpan payload) {
  PayloadReader in(payload);
  T value = Read(in, Tag<T>{});
  if (auto finished = in.Finish(); !finished) return std::unexpected(finished.error());
  return Message(std::in_place_type<T>, std::move(value));
}

using DecodeFn = Result<Message> (*)(util::ByteSpan);

constexpr std::array<DecodeFn, kCommandCount> kDecoders = {
#define PARTHENON_WIRE_DECODER(type, name, cap) &DecodeAs<type>,
    PARTHENON_WIRE_COMMANDS(PARTHENON_WIRE_DECODER)
#undef PARTHENON_WIRE_DECODER
};

}  // namespace

std::optional<NetAddress> AddrV2Entry::ToNetAddress() const {
  NetAddress::IpBytes ip{};
  if (network == static_cast<uint8_t>(AddrV2Network::kIpv4) && address.size() == 4) {
    ip[10] = ip[11] = std::byte{0xff};
    std::copy(address.begin(), address.end(), ip.begin() + 12);
    return NetAddress(ip, port);
  }
  if (network == static_cast<uint8_t>(AddrV2Network::kIpv6) && address.size() == 16) {
    std::copy(address.begin(), address.end(), ip.begin());
    const NetAddress result(ip, port);
    // IPv4-mapped, or the OnionCat prefix fd87:d87e:eb43::/48 (Tor): BIP155 says ignore.
    constexpr std::array<uint8_t, 6> kOnionCat = {0xfd, 0x87, 0xd8, 0x7e, 0xeb, 0x43};
    const bool onion = std::equal(kOnionCat.begin(), kOnionCat.end(), ip.begin(),
                                  [](uint8_t a, std::byte b) { return std::byte{a} == b; });
    if (result.IsIPv4() || onion) return std::nullopt;
    return result;
  }
  return std::nullopt;
}

AddrV2Entry AddrV2Entry::FromNetAddress(uint32_t time, uint64_t services,
                                        const NetAddress& address) {
  AddrV2Entry entry{.time = time, .services = services, .port = address.port()};
  const auto& ip = address.ip();
  if (address.IsIPv4()) {
    entry.network = static_cast<uint8_t>(AddrV2Network::kIpv4);
    entry.address.assign(ip.begin() + 12, ip.end());
  } else {
    entry.network = static_cast<uint8_t>(AddrV2Network::kIpv6);
    entry.address.assign(ip.begin(), ip.end());
  }
  return entry;
}

std::string_view CommandName(const Message& message) {
  if (const auto* unknown = std::get_if<Unknown>(&message)) return unknown->command;
  return kCommands[message.index()].name;
}

void EncodeTo(Writer& out, const Message& message) {
  std::visit([&out](const auto& m) { Write(out, m); }, message);
}

util::Bytes Encode(const Message& message) {
  Writer out;
  EncodeTo(out, message);
  return out.Take();
}

Result<Message> DecodeMessage(std::string_view command, util::ByteSpan payload) {
  if (payload.size() > kMaxMessageSize) return std::unexpected(Error::kOversizeMessage);
  const std::optional<Command> known = FindCommand(command);
  if (!known) {
    return Message(Unknown{std::string(command), util::ToBytes(payload)});
  }
  if (payload.size() > Info(*known).max_payload_size) {
    return std::unexpected(Error::kPayloadTooLarge);
  }
  return kDecoders[static_cast<size_t>(*known)](payload);
}

}  // namespace parthenon::p2p::wire
