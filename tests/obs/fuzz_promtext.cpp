// Fuzz target: the Prometheus text reader must be total over any bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "host/promtext/promtext.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto m =
      vigil::promtext::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  for (const auto& s : m.samples) {
    (void)vigil::promtext::family_of(m, s.name);
    (void)s.label("le");
  }
  return 0;
}
