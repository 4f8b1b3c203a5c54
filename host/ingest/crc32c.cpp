#include "host/ingest/crc32c.hpp"

#include <isa-l/crc.h>

namespace vigil::ingest {

uint32_t crc32c(std::span<const uint8_t> bytes) {
  // ISA-L's crc32_iscsi neither inverts its seed nor its result: seeding
  // with ~0 and inverting the result gives the standard CRC32C.
  return ~crc32_iscsi(const_cast<unsigned char*>(bytes.data()), int(bytes.size()), 0xFFFFFFFFu);
}

}  // namespace vigil::ingest
