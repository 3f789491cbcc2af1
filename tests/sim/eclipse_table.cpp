// Prints docs/peer-database.md's table: attacker share of the outbound slots against the
// number of /16 groups the attacker's 1,000 addresses are spread over.
//   parthenon_eclipse_table [runs per row, default 5]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "sim/eclipse_sim.h"
#include "util/logging.h"

int main(int argc, char** argv) {
  using namespace parthenon::sim;
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  spdlog::set_level(spdlog::level::warn);
  std::printf("| attacker groups | mean share before restart | max slots before | mean share after restart | max slots after | attacker entries new / tried (mean) |\n");
  std::printf("| ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (size_t groups : {1, 2, 4, 8, 16, 32, 64, 128}) {
    double before = 0, after = 0, in_new = 0, in_tried = 0;
    size_t max_before = 0, max_after = 0, slots = 0;
    for (int run = 0; run < runs; ++run) {
      EclipseSimOptions options;
      options.attacker_groups = groups;
      options.seed = static_cast<uint64_t>(run + 1);
      options.directory = std::filesystem::temp_directory_path() /
                          ("eclipse-table-" + std::to_string(::getpid()) + "-" + std::to_string(groups) +
                           "-" + std::to_string(run));
      std::filesystem::remove_all(options.directory);
      std::filesystem::create_directories(options.directory);
      const auto r = RunEclipseSim(options);
      std::filesystem::remove_all(options.directory);
      slots = r.slots;
      before += static_cast<double>(r.attacker_before_restart);
      after += static_cast<double>(r.attacker_after_restart);
      in_new += static_cast<double>(r.attacker_in_new);
      in_tried += static_cast<double>(r.attacker_in_tried);
      max_before = std::max(max_before, r.attacker_before_restart);
      max_after = std::max(max_after, r.attacker_after_restart);
    }
    const double n = runs * static_cast<double>(slots);
    std::printf("| %zu | %.1f%% | %zu / %zu | %.1f%% | %zu / %zu | %.0f / %.0f |\n", groups, 100 * before / n,
                max_before, slots, 100 * after / n, max_after, slots, in_new / runs, in_tried / runs);
  }
  return 0;
}
