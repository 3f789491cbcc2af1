// parthenon-cli: sends one JSON-RPC call to a running parthenon-node and prints the answer.
//
//   parthenon-cli [--chain=regtest] [--datadir=DIR] [--rpcport=N] getblockcount
//   parthenon-cli --named getblockhash height=0
//   parthenon-cli -getinfo            a summary built from several RPCs (rpc/client_reports.h)
//   parthenon-cli -netinfo [0-4]      peer counts and, from level 1, a peer table
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
#include "rpc/client_reports.h"
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
  enum class Report { kNone, kGetInfo, kNetInfo } report = Report::kNone;
  int netinfo_level = 0;
};

// bitcoin-cli spells its client-side reports with one dash (`-getinfo`, `-netinfo 2`), which
// CLI11 would read as bundled short flags; they are taken out of argv before CLI11 sees it.
// Returns an error for a level that is not 0-4.
std::expected<std::vector<std::string>, std::string> TakeReportFlags(int argc, char** argv, Arguments& args) {
  std::vector<std::string> rest;
  for (int i = 0; i < argc; ++i) {
    const std::string word = argv[i];
    if (i > 0 && (word == "-getinfo" || word == "--getinfo")) {
      args.report = Arguments::Report::kGetInfo;
      continue;
    }
    if (i > 0 && (word == "-netinfo" || word == "--netinfo" || word.starts_with("-netinfo=") ||
                  word.starts_with("--netinfo="))) {
      args.report = Arguments::Report::kNetInfo;
      std::string level;
      if (const size_t equals = word.find('='); equals != std::string::npos) {
        level = word.substr(equals + 1);
      } else if (i + 1 < argc && std::string(argv[i + 1]).find_first_not_of("0123456789") == std::string::npos) {
        level = argv[++i];
      }
      if (!level.empty()) {
        if (level.size() != 1 || level[0] < '0' || level[0] > '4') {
          return std::unexpected("-netinfo level must be 0 to 4, not '" + level + "'");
        }
        args.netinfo_level = level[0] - '0';
      }
      continue;
    }
    rest.push_back(word);
  }
  return rest;
}

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

// Sends `calls` as one batch; the answers, or what to print on stderr.
std::expected<std::vector<rpc::ReportAnswer>, std::string> CallBatch(const Arguments& args, uint16_t port,
                                                                     const rpc::Credentials& credentials,
                                                                     const std::vector<rpc::ReportCall>& calls) {
  if (calls.empty()) return std::vector<rpc::ReportAnswer>{};
  const rpc::CallResult result = rpc::Call(args.rpcconnect, port, credentials,
                                           rpc::BuildReportRequest(calls).dump(),
                                           std::chrono::seconds(args.timeout_seconds));
  if (result.http_status != 200) {
    return std::unexpected(rpc::FormatCallResult(result, args.rpcconnect + ":" + std::to_string(port)).err);
  }
  auto answers = rpc::ParseReportAnswers(result.body, calls);
  if (!answers) return std::unexpected("error: " + answers.error() + "\n");
  return answers;
}

int PrintError(const std::string& message) {
  std::cerr << message;
  return 1;
}

int RunReport(const Arguments& args, uint16_t port, const rpc::Credentials& credentials) {
  if (args.report == Arguments::Report::kGetInfo) {
    auto answers = CallBatch(args, port, credentials, rpc::GetInfoCalls());
    if (!answers) return PrintError(answers.error());
    std::cout << rpc::FormatGetInfo(*answers);
    return 0;
  }
  auto answers = CallBatch(args, port, credentials, rpc::NetInfoCalls());
  if (!answers) return PrintError(answers.error());
  rpc::NetInfoInput input{.info = (*answers)[0].result,
                          .networkinfo = (*answers)[1].result,
                          .peerinfo = (*answers)[2].result,
                          .scores = {},
                          .now = std::chrono::duration_cast<std::chrono::seconds>(
                                     std::chrono::system_clock::now().time_since_epoch()).count()};
  if (args.netinfo_level >= 1) {
    auto scores = CallBatch(args, port, credentials, rpc::NetInfoScoreCalls(input.peerinfo));
    if (!scores) return PrintError(scores.error());
    input.scores = std::move(*scores);
  }
  std::cout << rpc::FormatNetInfo(input, args.netinfo_level);
  return 0;
}

int Run(const Arguments& args) {
  const auto network = consensus::ParseNetwork(args.chain);
  if (!network) {
    std::fprintf(stderr, "error: unknown --chain '%s' (expected main, testnet or regtest)\n", args.chain.c_str());
    return 1;
  }
  const auto& params = consensus::Params(*network);
  if (args.words.empty() && args.report == Arguments::Report::kNone) {
    std::fprintf(stderr, "error: no method given; try: parthenon-cli --chain=%s help\n", args.chain.c_str());
    return 1;
  }
  auto credentials = FindCredentials(args, params);
  if (!credentials) {
    std::fprintf(stderr, "error: %s\n", credentials.error().c_str());
    return 1;
  }
  const uint16_t port = args.rpcport.value_or(params.rpc_port);
  if (args.report != Arguments::Report::kNone) {
    if (!args.words.empty()) {
      std::fprintf(stderr, "error: -getinfo and -netinfo take no method\n");
      return 1;
    }
    return RunReport(args, port, *credentials);
  }
  auto request = rpc::BuildRequest(args.words[0], {args.words.begin() + 1, args.words.end()}, args.named);
  if (!request) {
    std::fprintf(stderr, "error: %s\n", request.error().c_str());
    return 1;
  }
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
               "Example: parthenon-cli --chain=regtest getblockchaininfo\n"
               "Reports built from several RPCs: -getinfo (chain, heights, progress, connections, balance);\n"
               "-netinfo [0-4] (peers by direction and network; 1: peer table with ping, idle times, TLS,\n"
               "score, country; 2: with addresses; 3: with versions; 4: with both)",
               "parthenon-cli"};
  Arguments args;
  auto rest = TakeReportFlags(argc, argv, args);
  if (!rest) {
    std::fprintf(stderr, "error: %s\n", rest.error().c_str());
    return 1;
  }
  app.add_option("--chain", args.chain, "network: main, testnet or regtest")->capture_default_str();
  app.add_option("--datadir", args.datadir, "the node's data directory (for its cookie file; default ~/.parthenon)");
  app.add_option("--rpcconnect", args.rpcconnect, "address of the node's RPC server")->capture_default_str();
  app.add_option("--rpcport", args.rpcport, "RPC port (default: the network's: 8332, 18332, 18443)");
  app.add_option("--rpcuser", args.rpcuser, "RPC user (instead of the cookie file)");
  app.add_option("--rpcpassword", args.rpcpassword, "RPC password");
  app.add_flag("-n,--named", args.named, "pass arguments as name=value");
  app.add_option("--timeout", args.timeout_seconds, "seconds to wait for the answer")->capture_default_str();
  app.add_option("method", args.words, "method, then its arguments (none with -getinfo or -netinfo)");
  app.prefix_command();  // everything after the method belongs to the method
  try {
    std::vector<std::string> reversed(rest->rbegin(), std::prev(rest->rend()));  // CLI11 wants argv[1..] reversed
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return Run(args);
}
