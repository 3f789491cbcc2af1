// Typed access to a method's parameters, given by position (array) or by name (object), with
// errors that name the parameter. Thread-compatible; views `params`, which must outlive it.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/uint256.h"
#include "rpc/errors.h"

namespace parthenon::rpc {

class Params {
 public:
  // `names` are the method's parameters in positional order.
  Params(const nlohmann::json& params, std::initializer_list<std::string_view> names);

  // kInvalidParams if more positional values than names, or unknown named parameters.
  [[nodiscard]] Result<void> CheckShape() const;

  // The parameter at `index`, or nullptr if absent (or JSON null).
  const nlohmann::json* Get(size_t index) const;

  [[nodiscard]] Result<std::string> String(size_t index) const;
  [[nodiscard]] Result<int64_t> Int(size_t index, int64_t min, int64_t max) const;
  [[nodiscard]] Result<bool> Bool(size_t index) const;
  // A 64-hex-digit hash in display order (as printed by the node).
  [[nodiscard]] Result<crypto::Uint256> Hash(size_t index) const;
  // Optional variants: nullopt when absent.
  [[nodiscard]] Result<std::optional<std::string>> OptionalString(size_t index) const;
  [[nodiscard]] Result<std::optional<int64_t>> OptionalInt(size_t index, int64_t min, int64_t max) const;
  [[nodiscard]] Result<std::optional<bool>> OptionalBool(size_t index) const;

 private:
  std::unexpected<Error> Missing(size_t index) const;
  std::unexpected<Error> WrongType(size_t index, std::string_view expected) const;

  const nlohmann::json& params_;
  std::vector<std::string_view> names_;
};

}  // namespace parthenon::rpc
