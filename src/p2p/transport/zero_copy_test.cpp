#include "p2p/transport/zero_copy.h"

#include <gtest/gtest.h>

namespace parthenon::p2p::transport {
namespace {

// sendfile(2) and splice(2) have been in every Linux kernel this node supports: a probe that
// misses them is broken (and the node would fall back to copying every served block).
TEST(ZeroCopy, ProbeFindsSendfileAndSplice) {
  const auto& found = ProbeZeroCopy();
  EXPECT_TRUE(found.sendfile);
  EXPECT_TRUE(found.splice);
}

TEST(ZeroCopy, ProbeIsStableAndReportsEveryCapability) {
  const auto& first = ProbeZeroCopy();
  EXPECT_EQ(&first, &ProbeZeroCopy());  // probed once
  const std::string text = first.ToString();
  for (const char* key : {"sendfile=", "splice=", "msg_zerocopy=", "ktls=", "io_uring="}) {
    EXPECT_NE(text.find(key), std::string::npos) << key << " missing in " << text;
  }
  EXPECT_NE(text.find(first.sendfile ? "sendfile=yes" : "sendfile=no"), std::string::npos);
}

}  // namespace
}  // namespace parthenon::p2p::transport
