#include "p2p/wire/commands.h"

namespace parthenon::p2p::wire {

static_assert([] {
  for (const CommandInfo& info : kCommands) {
    if (info.name.empty() || info.name.size() > kCommandSize) return false;
    if (info.max_payload_size > kMaxMessageSize) return false;
  }
  return true;
}(), "every command name fits the 12-byte field and every cap is within 32 MiB");

std::optional<Command> FindCommand(std::string_view name) {
  for (size_t i = 0; i < kCommandCount; ++i) {
    if (kCommands[i].name == name) return static_cast<Command>(i);
  }
  return std::nullopt;
}

uint32_t MaxPayloadSize(std::string_view name) {
  const auto command = FindCommand(name);
  return command ? Info(*command).max_payload_size : kMaxUnknownSize;
}

}  // namespace parthenon::p2p::wire
