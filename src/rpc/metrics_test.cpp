#include "rpc/metrics.h"

#include <gtest/gtest.h>

#include <limits>

namespace parthenon::rpc {
namespace {

TEST(Metrics, TextFormat) {
  MetricsWriter out;
  out.Family("parthenon_peers", "gauge", "Connected peers.\nBy direction.");
  out.Sample("parthenon_peers", 3, {{"direction", "inbound"}});
  out.Sample("parthenon_peers", 2.5, {{"direction", "out\"bound"}, {"state", "a\\b"}});
  out.Sample("parthenon_up", std::numeric_limits<double>::infinity());
  EXPECT_EQ(out.Take(),
            "# HELP parthenon_peers Connected peers.\\nBy direction.\n"
            "# TYPE parthenon_peers gauge\n"
            "parthenon_peers{direction=\"inbound\"} 3\n"
            "parthenon_peers{direction=\"out\\\"bound\",state=\"a\\\\b\"} 2.5\n"
            "parthenon_up +Inf\n");
}

}  // namespace
}  // namespace parthenon::rpc
