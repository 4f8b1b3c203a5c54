// Writes the fuzz seed corpus (tests/consensus/corpus): one file per sample
// message. Run by hand when the wire format changes:
//   build/ci/tests/consensus/consensus_write_corpus tests/consensus/corpus
#include <cstdio>
#include <fstream>
#include <string>

#include "tests/consensus/messages.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  int i = 0;
  for (const auto& m : vigil::consensus::test::sample_messages()) {
    auto bytes = vigil::consensus::encode(m);
    std::string path = std::string(argv[1]) + "/msg_type" + std::to_string(m.type) + "_" +
                       std::to_string(i++) + ".bin";
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  }
  std::printf("wrote %d seeds\n", i);
  return 0;
}
