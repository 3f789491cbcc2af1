// parthenon-node: the full node daemon. Reads flags and the config file (docs/configuration.md),
// starts the node, and runs until SIGINT, SIGTERM or the `stop` RPC, then shuts down cleanly.
#include <csignal>
#include <cstdio>
#include <thread>

#include "node/config.h"
#include "node/node.h"

namespace {

// Signals are taken by a dedicated thread with sigwait, so no work happens in a signal handler.
sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

int main(int argc, char** argv) {
  const parthenon::node::ConfigOutcome outcome = parthenon::node::ParseNodeArguments(argc, argv);
  if (!outcome.config) {
    std::fprintf(outcome.exit_code == 0 ? stdout : stderr, "%s\n", outcome.message.c_str());
    return outcome.exit_code;
  }
  // Block the stop signals in every thread the node will create; the waiter below takes them.
  const sigset_t signals = StopSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto node = parthenon::node::Node::Start(*outcome.config);
  if (!node) {
    std::fprintf(stderr, "error: %s\n", node.error().c_str());
    return 1;
  }
  std::thread signal_waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    (*node)->RequestStop();
  });
  std::fprintf(stderr, "parthenon-node running: P2P port %u, RPC port %u, data in %s\n",
               (*node)->p2p_port(), (*node)->rpc_port(), outcome.config->datadir.c_str());
  (*node)->Wait();
  (*node)->Stop();
  // Wake the waiter if the stop came from RPC rather than a signal.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  return 0;
}
