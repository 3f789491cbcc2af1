// The list of P2P commands Parthenon understands, written once. Everything that depends on
// the set of commands derives from PARTHENON_WIRE_COMMANDS: the Command enum, the name and
// payload-cap table, the Message variant (messages.h) and the decoder table (messages.cpp).
// Thread-safe (constants and pure functions).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "p2p/wire/protocol.h"

namespace parthenon::p2p::wire {

// BIP152 compact blocks. A block holds at most this many transactions: Bitcoin Core's
// MAX_BLOCK_WEIGHT / MIN_SERIALIZABLE_TRANSACTION_WEIGHT (no transaction serializes to less
// than 10 bytes, 40 weight units), the cap of every compact-block count.
inline constexpr size_t kMinSerializableTxSize = 10;
inline constexpr size_t kMaxBlockTransactions = kMaxBlockWeight / (4 * kMinSerializableTxSize);
inline constexpr size_t kShortIdSize = 6;
inline constexpr uint32_t kSendCmpctSize = 1 + 8;  // announce flag, version
// A cmpctblock or blocktxn carries at most a block's transactions; getblocktxn is capped like
// every other Core message (MAX_PROTOCOL_MESSAGE_LENGTH).
inline constexpr uint32_t kMaxCmpctBlockSize = kMaxBlockMessageSize;
inline constexpr uint32_t kMaxBlockTxnSize = kMaxBlockMessageSize;
inline constexpr uint32_t kMaxGetBlockTxnSize = kMaxProtocolMessageLength;

// X(Type, "command", payload cap in bytes). Type is the message struct in messages.h.
// The order is the order of the Message variant's alternatives; append only.
#define PARTHENON_WIRE_COMMANDS(X)                \
  X(Version, "version", kMaxVersionSize)          \
  X(Verack, "verack", 0)                          \
  X(Ping, "ping", kPingSize)                       \
  X(Pong, "pong", kPingSize)                       \
  X(Addr, "addr", kMaxAddrSize)                   \
  X(GetAddr, "getaddr", 0)                        \
  X(Inv, "inv", kMaxInvSize)                      \
  X(GetData, "getdata", kMaxInvSize)              \
  X(NotFound, "notfound", kMaxInvSize)            \
  X(GetHeaders, "getheaders", kMaxLocatorMessageSize) \
  X(GetBlocks, "getblocks", kMaxLocatorMessageSize)   \
  X(Headers, "headers", kMaxHeadersSize)          \
  X(BlockMessage, "block", kMaxBlockMessageSize)  \
  X(TxMessage, "tx", kMaxTxMessageSize)           \
  X(Reject, "reject", kMaxRejectSize)             \
  X(SendHeaders, "sendheaders", 0)                \
  X(FeeFilter, "feefilter", kFeeFilterSize)       \
  X(MemPool, "mempool", 0)                        \
  X(WtxidRelay, "wtxidrelay", 0)                  \
  X(SendAddrV2, "sendaddrv2", 0)                  \
  X(AddrV2, "addrv2", kMaxAddrV2Size)            \
  X(SendCmpct, "sendcmpct", kSendCmpctSize)       \
  X(CmpctBlock, "cmpctblock", kMaxCmpctBlockSize) \
  X(GetBlockTxn, "getblocktxn", kMaxGetBlockTxnSize) \
  X(BlockTxn, "blocktxn", kMaxBlockTxnSize)

enum class Command : uint8_t {
#define PARTHENON_WIRE_ENUM(type, name, cap) k##type,
  PARTHENON_WIRE_COMMANDS(PARTHENON_WIRE_ENUM)
#undef PARTHENON_WIRE_ENUM
};

struct CommandInfo {
  std::string_view name;
  uint32_t max_payload_size;
};

// Indexed by Command.
inline constexpr std::array kCommands = {
#define PARTHENON_WIRE_INFO(type, name, cap) CommandInfo{name, cap},
    PARTHENON_WIRE_COMMANDS(PARTHENON_WIRE_INFO)
#undef PARTHENON_WIRE_INFO
};
inline constexpr size_t kCommandCount = kCommands.size();

constexpr const CommandInfo& Info(Command command) {
  return kCommands[static_cast<size_t>(command)];
}
constexpr std::string_view Name(Command command) { return Info(command).name; }

// The command named `name` (exact, case-sensitive), or nullopt for a command we do not know.
std::optional<Command> FindCommand(std::string_view name);

// The payload cap for `name`: its command's cap, or kMaxUnknownSize for unknown commands.
uint32_t MaxPayloadSize(std::string_view name);

}  // namespace parthenon::p2p::wire
