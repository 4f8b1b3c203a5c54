#include "kernels/opencl_program.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace vigil::kernels {
namespace {

namespace fs = std::filesystem;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : fallback;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// FNV-1a, 64 bits: a cache key, not a security boundary (the cache folder
// belongs to the user running the validator).
uint64_t fnv1a(uint64_t h, const std::string& s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

// Every file the program includes, in name order, so a change to any header
// changes the key.
uint64_t source_key(const std::string& kdir, const std::string& cdir) {
  std::vector<fs::path> files;
  for (const auto& dir : {fs::path(kdir), fs::path(cdir) / "vigil" / "fi"}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      auto ext = e.path().extension();
      if (ext == ".h" || ext == ".cl") files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  uint64_t h = 0xcbf29ce484222325ull;
  for (const auto& f : files) h = fnv1a(fnv1a(h, f.filename().string()), read_file(f));
  return h;
}

std::string device_string(cl_device_id dev, cl_device_info what) {
  size_t n = 0;
  if (clGetDeviceInfo(dev, what, 0, nullptr, &n) != CL_SUCCESS || n == 0) return {};
  std::string s(n, '\0');
  clGetDeviceInfo(dev, what, n, s.data(), nullptr);
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

std::string build_log(cl_program prog, cl_device_id dev) {
  size_t n = 0;
  clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, 0, nullptr, &n);
  std::string s(n, '\0');
  if (n) clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, n, s.data(), nullptr);
  return s;
}

}  // namespace

std::string kernels_dir() {
  return env_or("VIGIL_KERNELS_DIR", VIGIL_KERNELS_SOURCE_DIR);
}
std::string contract_dir() {
  return env_or("VIGIL_CONTRACT_DIR", VIGIL_CONTRACT_SOURCE_DIR);
}

std::string default_cache_dir() {
  if (const char* v = std::getenv("VIGIL_CACHE_DIR"); v && *v) return v;
  if (const char* v = std::getenv("XDG_CACHE_HOME"); v && *v) return std::string(v) + "/vigil";
  if (const char* v = std::getenv("HOME"); v && *v) return std::string(v) + "/.cache/vigil";
  return {};
}

std::string opencl_device_name(cl_device_id device) {
  return device_string(device, CL_DEVICE_NAME);
}

OpenClProgram build_opencl_program(cl_context context, cl_device_id device,
                                   const std::string& cache_dir, Field field) {
  OpenClProgram out;
  const std::string kdir = kernels_dir(), cdir = contract_dir();
  const std::string options = "-I " + kdir + " -I " + cdir + " " + field_define(field);
  uint64_t key = source_key(kdir, cdir);
  key = fnv1a(key, device_string(device, CL_DEVICE_NAME));
  key = fnv1a(key, device_string(device, CL_DRIVER_VERSION));
  key = fnv1a(key, device_string(device, CL_DEVICE_VERSION));
  key = fnv1a(key, options);
  char name[40];
  std::snprintf(name, sizeof name, "vigil-kernels-%016llx.bin", (unsigned long long)key);
  const fs::path cached = cache_dir.empty() ? fs::path() : fs::path(cache_dir) / name;

  cl_int err = CL_SUCCESS;
  if (!cached.empty() && fs::exists(cached)) {
    std::string bin = read_file(cached);
    const unsigned char* p = reinterpret_cast<const unsigned char*>(bin.data());
    size_t len = bin.size();
    cl_int status = CL_SUCCESS;
    cl_program prog = clCreateProgramWithBinary(context, 1, &device, &len, &p, &status, &err);
    if (prog && err == CL_SUCCESS && status == CL_SUCCESS &&
        clBuildProgram(prog, 1, &device, options.c_str(), nullptr, nullptr) == CL_SUCCESS) {
      out.program = prog;
      out.from_cache = true;
      return out;
    }
    if (prog) clReleaseProgram(prog);  // stale entry: rebuild from source below
  }

  const std::string src = "#include \"vigil_kernels.cl\"\n";
  const char* text = src.c_str();
  cl_program prog = clCreateProgramWithSource(context, 1, &text, nullptr, &err);
  if (!prog || err != CL_SUCCESS) {
    out.error = "clCreateProgramWithSource failed: " + std::to_string(err);
    return out;
  }
  err = clBuildProgram(prog, 1, &device, options.c_str(), nullptr, nullptr);
  if (err != CL_SUCCESS) {
    out.error = "clBuildProgram failed (" + std::to_string(err) + "): " + build_log(prog, device);
    clReleaseProgram(prog);
    return out;
  }
  out.program = prog;
  if (!cached.empty()) {
    size_t len = 0;
    if (clGetProgramInfo(prog, CL_PROGRAM_BINARY_SIZES, sizeof len, &len, nullptr) == CL_SUCCESS &&
        len > 0) {
      std::string bin(len, '\0');
      unsigned char* p = reinterpret_cast<unsigned char*>(bin.data());
      if (clGetProgramInfo(prog, CL_PROGRAM_BINARIES, sizeof p, &p, nullptr) == CL_SUCCESS) {
        // Write then rename: a concurrent reader sees the old state or the
        // whole new file, never half of it.
        std::error_code ec;
        fs::create_directories(cached.parent_path(), ec);
        fs::path tmp = cached;
        tmp += ".tmp" + std::to_string(::getpid());
        {
          std::ofstream o(tmp, std::ios::binary);
          o.write(bin.data(), static_cast<std::streamsize>(bin.size()));
        }
        fs::rename(tmp, cached, ec);
        if (ec) fs::remove(tmp, ec);
      }
    }
  }
  return out;
}

}  // namespace vigil::kernels
