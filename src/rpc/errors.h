// JSON-RPC error codes: the JSON-RPC 2.0 standard ones and the application codes Bitcoin Core
// uses (so bitcoin-cli habits and client libraries carry over).
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace parthenon::rpc {

enum class ErrorCode : int {
  // JSON-RPC 2.0
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
  // Application (Bitcoin Core's numbering)
  kMiscError = -1,
  kTypeError = -3,
  kInvalidAddress = -5,
  kOutOfMemory = -7,
  kInvalidParameter = -8,
  kClientNotConnected = -9,
  kClientInInitialDownload = -10,
  kWalletInsufficientFunds = -6,
  kDeserializationError = -22,
  kVerifyError = -25,
  kVerifyRejected = -26,
  kVerifyAlreadyInChain = -27,
  kInWarmup = -28,
  kClientNodeAlreadyAdded = -23,
  kClientNodeNotAdded = -24,
  kClientNodeNotConnected = -29,
  kClientInvalidIpOrSubnet = -30,
};

struct Error {
  ErrorCode code;
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> MakeError(ErrorCode code, std::string message) {
  return std::unexpected(Error{code, std::move(message)});
}

// {"code": ..., "message": ...}
nlohmann::json ToJson(const Error& error);

}  // namespace parthenon::rpc
