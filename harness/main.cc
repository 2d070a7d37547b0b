// crashlab: the harness command line.
#include <iostream>

#include "harness/cli.h"

int main(int argc, char** argv) { return crashlab::harness::Main(argc, argv, std::cout, std::cerr); }
