// CRC32C (Castagnoli, the iSCSI CRC): reflected polynomial 0x82F63B78,
// initial value and final xor 0xFFFFFFFF, so crc32c("123456789") ==
// 0xE3069283. Computed with ISA-L: its SSE4.2 variant below 512 bytes on
// x86-64 (faster there than the folding kernel its dispatcher picks), its
// dispatcher otherwise.
#pragma once

#include <cstdint>
#include <span>

namespace vigil::ingest {

uint32_t crc32c(std::span<const uint8_t> bytes);

}  // namespace vigil::ingest
