#include "chain/errors.h"

namespace parthenon::chain {

Error Error::Storage(const storage::Error& error) {
  const ErrorCode code =
      error.code == storage::ErrorCode::kCorruption ? ErrorCode::kCorruption : ErrorCode::kStorage;
  // "corruption: <file> offset N: ..." would repeat the code's own reason; other storage codes
  // ("disk full", "I/O error") are the news and stay in the detail.
  return {code, std::nullopt, code == ErrorCode::kCorruption ? error.detail : error.Message()};
}

std::string_view Error::Reason() const {
  if (consensus) return consensus::RejectReason(*consensus);
  switch (code) {
#define PARTHENON_X(name, reason, description) \
  case ErrorCode::name:                        \
    return reason;
    PARTHENON_CHAIN_ERRORS(PARTHENON_X)
#undef PARTHENON_X
  }
  return "unknown";
}

std::string Error::Message() const {
  std::string message(Reason());
  if (consensus) {
    message += " (" + std::string(consensus::ToString(*consensus)) + ")";
  }
  if (!detail.empty()) message += ": " + detail;
  return message;
}

}  // namespace parthenon::chain
