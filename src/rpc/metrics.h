// A writer of the Prometheus text exposition format (version 0.0.4). Thread-compatible.
//
//   MetricsWriter out;
//   out.Family("parthenon_peers", "gauge", "Connected peers by direction.");
//   out.Sample("parthenon_peers", 3, {{"direction", "inbound"}});
//   std::string text = out.Take();
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parthenon::rpc {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

using Labels = std::vector<std::pair<std::string, std::string>>;

class MetricsWriter {
 public:
  // "# HELP" and "# TYPE" lines; `type` is counter, gauge, histogram, summary or untyped.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  void Sample(std::string_view name, double value, const Labels& labels = {});
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace parthenon::rpc
