#include "host/node/node_storage.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "host/ingest/crc32c.hpp"

namespace vigil::node {
namespace {

constexpr uint32_t kVersion = 1;
constexpr size_t kBytes = 4 + 4 + 6 * 8 + 1 + sizeof(vigil_vote_data) + 4;

void put_u64(std::vector<uint8_t>& b, uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(uint8_t(v >> (8 * i)));
}
void put_u32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(uint8_t(v >> (8 * i)));
}
uint64_t get(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

bool write_synced(const std::string& path, const std::vector<uint8_t>& bytes) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = ::write(fd, bytes.data(), bytes.size()) == ssize_t(bytes.size()) && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) return false;
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

}  // namespace

std::vector<uint8_t> encode_safety(const consensus::SafetyState& s) {
  std::vector<uint8_t> b{'V', 'G', 'S', 'S'};
  put_u32(b, kVersion);
  for (uint64_t v : {s.epoch, s.last_voted_round, s.preferred_round, s.last_timeout_round,
                     s.last_timeout_hqc_round, s.last_proposed_round})
    put_u64(b, v);
  b.push_back(s.last_vote ? 1 : 0);
  const vigil_vote_data v = s.last_vote.value_or(vigil_vote_data{});
  b.insert(b.end(), v.block_id, v.block_id + 32);
  put_u64(b, v.epoch);
  put_u64(b, v.round);
  put_u64(b, v.height);
  b.insert(b.end(), v.parent_id, v.parent_id + 32);
  put_u64(b, v.parent_round);
  put_u32(b, ingest::crc32c(b));
  return b;
}

bool decode_safety(std::span<const uint8_t> b, consensus::SafetyState* out) {
  if (b.size() != kBytes || std::memcmp(b.data(), "VGSS", 4) != 0 || get(&b[4], 4) != kVersion)
    return false;
  if (get(&b[kBytes - 4], 4) != ingest::crc32c(b.first(kBytes - 4))) return false;
  const uint8_t* p = &b[8];
  consensus::SafetyState s;
  uint64_t* fields[] = {&s.epoch,
                        &s.last_voted_round,
                        &s.preferred_round,
                        &s.last_timeout_round,
                        &s.last_timeout_hqc_round,
                        &s.last_proposed_round};
  for (uint64_t* f : fields) {
    *f = get(p, 8);
    p += 8;
  }
  const uint8_t has_vote = *p++;
  if (has_vote > 1) return false;
  vigil_vote_data v{};
  std::memcpy(v.block_id, p, 32);
  v.epoch = get(p + 32, 8);
  v.round = get(p + 40, 8);
  v.height = get(p + 48, 8);
  std::memcpy(v.parent_id, p + 56, 32);
  v.parent_round = get(p + 88, 8);
  if (has_vote) s.last_vote = v;
  *out = s;
  return true;
}

bool NodeStorage::open(const std::string& data_dir, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    *error = "cannot create data directory " + data_dir + ": " + ec.message();
    return false;
  }
  path_ = data_dir + "/safety.bin";
  std::ifstream in(path_, std::ios::binary);
  if (!in) return true;  // a fresh node
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  consensus::SafetyState s;
  if (!decode_safety(bytes, &s)) {
    *error = path_ +
             ": the safety state is corrupt; refusing to start (it guards against "
             "signing twice)";
    return false;
  }
  safety_ = s;
  return true;
}

void NodeStorage::save_safety(const consensus::SafetyState& s) {
  safety_ = s;
  ++writes_;
  if (!write_synced(path_, encode_safety(s))) {
    // Signing on without a durable record could equivocate after a crash.
    std::fprintf(stderr, "vigild: cannot write %s; stopping\n", path_.c_str());
    std::_Exit(1);
  }
}

}  // namespace vigil::node
