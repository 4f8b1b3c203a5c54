// The verify kernel's variants a driver can launch (kernels/README.md):
// its field representation, chosen when the kernel is built (the VK_FIELD
// macro of vk_field.h: an OpenCL build option, a second nvcc translation
// unit), and its launch shape, threads per block, chosen per launch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::kernels {

enum class Field : uint8_t {
  fe51,  // 5 x 51-bit limbs, 64 x 64 -> 128-bit products (vk_fe51.h)
  fe25,  // 10 limbs of radix 2^25.5, 32 x 32 -> 64-bit products (vk_fe25.h)
};

inline std::string_view field_name(Field f) {
  return f == Field::fe25 ? "fe25" : "fe51";
}

inline std::optional<Field> parse_field(std::string_view name) {
  if (name == "fe51") return Field::fe51;
  if (name == "fe25") return Field::fe25;
  return std::nullopt;
}

// The preprocessor definition that selects `f` in the kernel source.
inline std::string field_define(Field f) {
  return f == Field::fe25 ? "-D VK_FIELD=25" : "-D VK_FIELD=51";
}

// Threads per block (work-items per work-group) of a verify launch: a power
// of two from 8 to 256. Small blocks spread a small batch over more SMs;
// large ones are what full batches want where registers allow.
inline constexpr unsigned kMinVerifyBlock = 8, kMaxVerifyBlock = 256;
inline bool valid_verify_block(unsigned b) {
  return b >= kMinVerifyBlock && b <= kMaxVerifyBlock && (b & (b - 1)) == 0;
}

struct VerifyShape {
  Field field = Field::fe51;
  unsigned block = 64;
};

// "fe25/64": how reports and engine names spell a shape.
inline std::string shape_name(const VerifyShape& s) {
  return std::string(field_name(s.field)) + "/" + std::to_string(s.block);
}

}  // namespace vigil::kernels
