// signet_verify_vectors [--check] PATH...: runs signet::app::run_verify until the CLI wires
// `signet verify`. Exit code 77 (CTest "skipped") when a given folder does not exist, with a message
// saying so, because the real-device vectors live outside the repository (../shared/vectors).
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "signet/app/verify.hpp"

int main(int argc, char** argv) {
  bool check = false;
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--check") check = true;
    else paths.push_back(a);
  }
  if (paths.empty()) {
    std::cerr << "usage: signet_verify_vectors [--check] FILE|DIR...\n";
    return 2;
  }
  for (const auto& p : paths) {
    if (!std::filesystem::exists(p)) {
      std::cerr << "vectors folder absent: " << p << " (the real-device vectors are read from ../shared/vectors; "
                << "nothing was checked)\n";
      return 77;
    }
  }
  return signet::app::run_verify(paths, check, std::cout);
}
