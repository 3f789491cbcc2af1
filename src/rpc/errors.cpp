#include "rpc/errors.h"

namespace parthenon::rpc {

nlohmann::json ToJson(const Error& error) {
  return {{"code", static_cast<int>(error.code)}, {"message", error.message}};
}

}  // namespace parthenon::rpc
