#include "consensus/errors.h"

namespace parthenon::consensus {

std::string_view RejectReason(Error error) {
  switch (error) {
#define PARTHENON_X(name, reason, description) \
  case Error::name:                            \
    return reason;
    PARTHENON_CONSENSUS_ERRORS(PARTHENON_X)
#undef PARTHENON_X
  }
  return "unknown";
}

bool IsPolicyError(Error error) {
  return RejectReason(error).starts_with("non-standard-");
}

std::string_view ToString(Error error) {
  switch (error) {
#define PARTHENON_X(name, reason, description) \
  case Error::name:                            \
    return description;
    PARTHENON_CONSENSUS_ERRORS(PARTHENON_X)
#undef PARTHENON_X
  }
  return "unknown consensus error";
}

}  // namespace parthenon::consensus
