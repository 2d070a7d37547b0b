// crashlab: the harness command line.
#include <iostream>
#include <string_view>

#include "harness/cli/cli.h"

int main(int argc, char** argv) {
  // `crashlab worker ...`: fuse mode's engine process, internal, so not in
  // Main's usage.
  if (argc > 1 && std::string_view(argv[1]) == "worker")
    return crashlab::harness::WorkerCommand(argc - 1, argv + 1, std::cout,
                                            std::cerr);
  return crashlab::harness::Main(argc, argv, std::cout, std::cerr);
}
