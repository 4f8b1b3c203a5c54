#include "host/doctor/sysfs.hpp"

#include <charconv>
#include <fstream>

namespace vigil::doctor {

std::optional<std::string> read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text(1 << 20, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

std::optional<uint64_t> read_u64(const std::filesystem::path& file) {
  const auto text = read_text(file);
  if (!text) return std::nullopt;
  const size_t start = text->find_first_of("0123456789");
  if (start == std::string::npos) return std::nullopt;
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text->data() + start, text->data() + text->size(), v);
  if (ec != std::errc{}) return std::nullopt;
  return v;
}

std::optional<int64_t> read_i64(const std::filesystem::path& file) {
  const auto text = read_text(file);
  if (!text) return std::nullopt;
  int64_t v = 0;
  const size_t start = text->find_first_not_of(" \t");
  if (start == std::string::npos) return std::nullopt;
  const auto [end, ec] = std::from_chars(text->data() + start, text->data() + text->size(), v);
  if (ec != std::errc{}) return std::nullopt;
  return v;
}

std::string link_name(const std::filesystem::path& link) {
  std::error_code ec;
  const auto target = std::filesystem::read_symlink(link, ec);
  return ec ? std::string{} : target.filename().string();
}

std::filesystem::path under(const std::filesystem::path& root, const std::filesystem::path& rel) {
  return root / rel.relative_path();
}

}  // namespace vigil::doctor
