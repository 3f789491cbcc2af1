#include "testing/vectors.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace parthenon::testing {

std::optional<std::filesystem::path> VectorsDir() {
  std::filesystem::path dir;
  if (const char* env = std::getenv("PARTHENON_VECTORS_DIR"); env != nullptr && *env != '\0') {
    dir = env;
  } else {
    dir = std::filesystem::path(PARTHENON_SOURCE_DIR) / ".." / "shared" / "vectors";
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return std::nullopt;
  return dir;
}

std::optional<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream contents;
  contents << in.rdbuf();
  return std::move(contents).str();
}

}  // namespace parthenon::testing
