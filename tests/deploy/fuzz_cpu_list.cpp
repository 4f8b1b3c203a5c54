// libFuzzer target: any bytes parse to a sorted unique list within bounds or
// are refused, and what parses re-formats to a list that parses the same.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "host/affinity/cpu_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::string why;
  const auto cpus = vigil::affinity::parse_cpu_list(text, &why);
  if (!cpus) {
    if (why.empty()) std::abort();
    return 0;
  }
  for (size_t i = 0; i < cpus->size(); ++i) {
    if ((*cpus)[i] < 0 || (*cpus)[i] > vigil::affinity::kMaxCpu) std::abort();
    if (i > 0 && (*cpus)[i] <= (*cpus)[i - 1]) std::abort();
  }
  const auto again = vigil::affinity::parse_cpu_list(vigil::affinity::format_cpu_list(*cpus), &why);
  if (!again || *again != *cpus) std::abort();
  return 0;
}
