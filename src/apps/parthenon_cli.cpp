// parthenon-cli: sends one JSON-RPC call to a running parthenon-node and prints the answer.
//
//   parthenon-cli [--chain=regtest] [--datadir=DIR] [--rpcport=N] getblockcount
//   parthenon-cli --named getblockhash height=0
//
// Credentials: --rpcuser/--rpcpassword, else the cookie file the node wrote in its data
// directory. Strings print bare, other results as JSON; errors go to stderr with exit code 1.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <optional>

#include "consensus/params.h"
#include "node/paths.h"
#include "rpc/client.h"
#include "rpc/cookie.h"

namespace {

using namespace parthenon;

struct Arguments {
  std::string chain = "main";
  std::string datadir;
  std::string rpcconnect = "127.0.0.1";
  std::optional<uint16_t> rpcport;
  std::string rpcuser;
  std::string rpcpassword;
  bool named = false;
  int timeout_seconds = 900;
  std::vector<std::string> words;  // method, then its arguments
};

std::expected<rpc::Credentials, std::string> FindCredentials(const Arguments& args,
                                                            const consensus::ChainParams& params) {
  if (!args.rpcuser.empty() || !args.rpcpassword.empty()) {
    if (args.rpcuser.empty() || args.rpcpassword.empty()) {
      return std::unexpected("--rpcuser and --rpcpassword go together");
    }
    return rpc::Credentials{args.rpcuser, args.rpcpassword};
  }
  const std::filesystem::path datadir =
      args.datadir.empty() ? node::DefaultDataDir() : std::filesystem::path(args.datadir);
  const auto cookie = node::NetworkDataDir(datadir, params) / rpc::kCookieFileName;
  auto credentials = rpc::ReadCookieFile(cookie);
  if (!credentials) return std::unexpected(std::string(rpc::ToString(credentials.error())) + ": " + cookie.string());
  return *credentials;
}

int Run(const Arguments& args) {
  const auto network = consensus::ParseNetwork(args.chain);
  if (!network) {
    std::fprintf(stderr, "error: unknown --chain '%s' (expected main, testnet or regtest)\n", args.chain.c_str());
    return 1;
  }
  const auto& params = consensus::Params(*network);
  if (args.words.empty()) {
    std::fprintf(stderr, "error: no method given; try: parthenon-cli --chain=%s help\n", args.chain.c_str());
    return 1;
  }
  auto credentials = FindCredentials(args, params);
  if (!credentials) {
    std::fprintf(stderr, "error: %s\n", credentials.error().c_str());
    return 1;
  }
  auto request = rpc::BuildRequest(args.words[0], {args.words.begin() + 1, args.words.end()}, args.named);
  if (!request) {
    std::fprintf(stderr, "error: %s\n", request.error().c_str());
    return 1;
  }
  const uint16_t port = args.rpcport.value_or(params.rpc_port);
  const rpc::CallResult result = rpc::Call(args.rpcconnect, port, *credentials, request->dump(),
                                           std::chrono::seconds(args.timeout_seconds));
  const rpc::CliOutput output =
      rpc::FormatCallResult(result, args.rpcconnect + ":" + std::to_string(port));
  std::cout << output.out;
  std::cerr << output.err;
  return output.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"parthenon-cli: call a method of a running parthenon-node over JSON-RPC.\n"
               "Example: parthenon-cli --chain=regtest getblockchaininfo"};
  Arguments args;
  app.add_option("--chain", args.chain, "network: main, testnet or regtest")->capture_default_str();
  app.add_option("--datadir", args.datadir, "the node's data directory (for its cookie file; default ~/.parthenon)");
  app.add_option("--rpcconnect", args.rpcconnect, "address of the node's RPC server")->capture_default_str();
  app.add_option("--rpcport", args.rpcport, "RPC port (default: the network's: 8332, 18332, 18443)");
  app.add_option("--rpcuser", args.rpcuser, "RPC user (instead of the cookie file)");
  app.add_option("--rpcpassword", args.rpcpassword, "RPC password");
  app.add_flag("-n,--named", args.named, "pass arguments as name=value");
  app.add_option("--timeout", args.timeout_seconds, "seconds to wait for the answer")->capture_default_str();
  app.add_option("method", args.words, "method, then its arguments")->required();
  app.prefix_command();  // everything after the method belongs to the method
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return Run(args);
}
