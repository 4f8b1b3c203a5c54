// host/doctor: each check against scratch /proc and /sys trees that look like
// other machines (a DPDK validator, a laptop), plus the checks that touch
// this machine's sockets, files and disk.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "host/doctor/checks.hpp"
#include "host/doctor/deploy_config.hpp"

namespace fs = std::filesystem;
using namespace vigil::doctor;

namespace {

class Machine : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("vigil-doctor-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
  }
  void link(const std::string& rel, const std::string& target) {
    fs::create_directories((root_ / rel).parent_path());
    fs::create_directory_symlink(target, root_ / rel);
  }
  DeployConfig config(const std::string& text) {
    std::string why;
    auto c = parse_deploy_config(text, (root_ / "vigil.toml").string(), &why);
    EXPECT_TRUE(c) << why;
    return c.value_or(DeployConfig{});
  }
  // A DPDK NIC at 0000:01:00.0 on node 1, driven by ixgbe.
  void add_nic() {
    link("sys/bus/pci/devices/0000:01:00.0", "../../../devices/pci0000:00/0000:01:00.0");
    link("sys/devices/pci0000:00/0000:01:00.0/driver", "../../../bus/pci/drivers/ixgbe");
    write("sys/devices/pci0000:00/0000:01:00.0/numa_node", "1\n");
    link("sys/class/net/eth1", "../../devices/pci0000:00/0000:01:00.0/net/eth1");
    link("sys/devices/pci0000:00/0000:01:00.0/net/eth1/device", "../../../0000:01:00.0");
  }
  fs::path root_;
};

const char* kDpdk =
    "[packet]\nport = \"dpdk\"\neal_args = [\"-l\", \"2\", \"-a\", \"0000:01:00.0\"]\n";

}  // namespace

TEST_F(Machine, ConfigResolvesPathsAndDpdkDevices) {
  const DeployConfig c = config(
      "data_dir = \"data\"\nkey_file = \"/etc/vigil/validator.key\"\nidle = \"busy\"\n"
      "[listen]\np2p = \"0.0.0.0:7000\"\nudp = \"[::1]:7001\"\n"
      "[packet]\nport = \"dpdk\"\neal_args = [\"-a\", \"0000:01:00.0\", \"--allow=02:00.1,rxq=4\", "
      "\"-a03:00.0\", \"-l\", \"2-4\"]\n[tiles]\nnet = 2\n");
  EXPECT_EQ(c.data_dir, root_ / "data");
  EXPECT_EQ(c.key_file, "/etc/vigil/validator.key");
  EXPECT_EQ(c.idle, vigil::affinity::WaitMode::busy);
  ASSERT_EQ(c.listen.size(), 2u);
  EXPECT_EQ(c.listen[1].name, "udp");
  EXPECT_TRUE(c.listen[1].udp);
  EXPECT_EQ(c.nics, (std::vector<std::string>{"0000:01:00.0", "0000:02:00.1", "0000:03:00.0"}));
  EXPECT_TRUE(c.tiles.contains("net"));
}

TEST_F(Machine, ConfigErrorsNameKeyAndFile) {
  const std::pair<const char*, const char*> cases[] = {
      {"data_dir = 5\n", "data_dir: a path string"},
      {"idle = \"spin\"\n", "idle: \"adaptive\" or \"busy\""},
      {"[listen]\nhttp = \"localhost\"\n", "listen.http: \"HOST:PORT\""},
      {"[listen]\nhttp = \"1.2.3.4:70000\"\n", "listen.http: \"HOST:PORT\""},
      {"[packet]\nport = \"af_xdp\"\n", "packet.port:"},
      {"data_dir = \n", "line 1"},
  };
  for (const auto& [text, want] : cases) {
    std::string why;
    EXPECT_FALSE(parse_deploy_config(text, "/etc/vigil/vigil.toml", &why)) << text;
    EXPECT_EQ(why.rfind("/etc/vigil/vigil.toml: ", 0), 0u) << why;
    EXPECT_NE(why.find(want), std::string::npos) << text << " -> " << why;
  }
}

TEST(HostPort, Splits) {
  EXPECT_EQ(parse_host_port("127.0.0.1:7000")->port, 7000);
  EXPECT_EQ(parse_host_port("[::1]:1")->host, "::1");
  for (const char* bad :
       {"", ":80", "host", "host:", "host:0", "::1:80", "[]:80", "h:8x", "h:65536"}) {
    EXPECT_FALSE(parse_host_port(bad)) << bad;
  }
}

TEST_F(Machine, CpuFlags) {
  write("proc/cpuinfo",
        "processor\t: 0\nmodel name\t: Test CPU 9000\nflags\t\t: fpu sse2 avx2 bmi2 avx512f "
        "avx512ifma sha_ni\n\nprocessor\t: 1\nflags\t\t: fpu\n");
  Finding f = check_cpu_flags(root_);
  EXPECT_EQ(f.status, Status::ok);
  EXPECT_NE(f.detail.find("Test CPU 9000; avx2 bmi2 avx512f avx512ifma sha_ni"), std::string::npos)
      << f.detail;
  write("proc/cpuinfo", "model name\t: Old CPU\nflags\t\t: fpu sse2 sse4_2\n");
  f = check_cpu_flags(root_);
  EXPECT_EQ(f.status, Status::warn);
  EXPECT_NE(f.detail.find("portable"), std::string::npos);
}

TEST_F(Machine, HugepagesFailOnlyForDpdk) {
  write("proc/meminfo",
        "MemTotal: 100 kB\nHugePages_Total:       0\nHugePages_Free:        0\n"
        "Hugepagesize:       2048 kB\n");
  EXPECT_EQ(check_hugepages(root_, config("")).status, Status::warn);
  Finding f = check_hugepages(root_, config(kDpdk));
  EXPECT_EQ(f.status, Status::fail);
  EXPECT_NE(f.fix.find("vigil configure apply"), std::string::npos);
  write("proc/meminfo",
        "HugePages_Total:    1024\nHugePages_Free:     1000\nHugepagesize: 2048 kB\n");
  f = check_hugepages(root_, config(kDpdk));
  EXPECT_EQ(f.status, Status::ok);
  EXPECT_EQ(f.detail, "1024 pages of 2048 kB (1000 free)");
}

TEST_F(Machine, NicMustBeBoundToVfioForDpdk) {
  add_nic();
  Finding f = check_nics(root_, config(""));
  EXPECT_EQ(f.status, Status::ok);
  EXPECT_NE(f.detail.find("eth1 (ixgbe, node 1)"), std::string::npos) << f.detail;
  f = check_nics(root_, config(kDpdk));
  EXPECT_EQ(f.status, Status::fail);
  EXPECT_NE(f.detail.find("not bound to vfio-pci: 0000:01:00.0 (ixgbe)"), std::string::npos)
      << f.detail;
  write("sys/bus/pci/drivers/vfio-pci/0000:01:00.0", "");
  f = check_nics(root_, config(kDpdk));
  EXPECT_EQ(f.status, Status::ok) << f.detail;
  // dpdk with no allowed device is a config that cannot work.
  EXPECT_EQ(check_nics(root_, config("[packet]\nport = \"dpdk\"\n")).status, Status::fail);
}

TEST_F(Machine, Iommu) {
  EXPECT_EQ(check_iommu(root_, config("")).status, Status::warn);
  EXPECT_EQ(check_iommu(root_, config(kDpdk)).status, Status::fail);
  write("sys/class/iommu/dmar0/x", "");
  write("proc/cmdline", "ro intel_iommu=on iommu=pt\n");
  const Finding f = check_iommu(root_, config(kDpdk));
  EXPECT_EQ(f.status, Status::ok);
  EXPECT_NE(f.detail.find("passthrough"), std::string::npos);
}

TEST_F(Machine, NumaWarnsWhenNetTileIsFarFromItsNic) {
  write("sys/devices/system/cpu/online", "0-7\n");
  write("sys/devices/system/node/node0/cpulist", "0-3\n");
  write("sys/devices/system/node/node1/cpulist", "4-7\n");
  add_nic();
  EXPECT_EQ(check_numa(root_, config(std::string(kDpdk) + "[tiles]\nnet = 5\n")).status,
            Status::ok);
  const Finding f = check_numa(root_, config(std::string(kDpdk) + "[tiles]\nnet = 2\n"));
  EXPECT_EQ(f.status, Status::warn);
  EXPECT_NE(f.detail.find("NIC 0000:01:00.0 is on node 1 but tiles.net runs on cpu 2 of node 0"),
            std::string::npos)
      << f.detail;
}

TEST_F(Machine, TilesBusyOnSharedCoreFails) {
  write("sys/devices/system/cpu/online", "0-7\n");
  const Finding f = check_tiles(root_, config("idle = \"busy\"\n[tiles]\nnet = 2\nverify = [2]\n"));
  EXPECT_EQ(f.status, Status::fail);
  EXPECT_NE(f.detail.find("tiles.verify[0]: cpu 2 is already pinned to tiles.net"),
            std::string::npos)
      << f.detail;
  EXPECT_EQ(check_tiles(root_, config("[tiles]\nnet = 2\nverify = [2]\n")).status, Status::ok);
}

TEST_F(Machine, SocketBuffers) {
  write("proc/sys/net/core/rmem_max", "212992\n");
  write("proc/sys/net/core/wmem_max", "134217728\n");
  Finding f = check_socket_buffers(root_);
  EXPECT_EQ(f.status, Status::warn);
  EXPECT_NE(f.fix.find("net.core.rmem_max to 134217728"), std::string::npos) << f.fix;
  EXPECT_EQ(f.fix.find("wmem_max"), std::string::npos) << f.fix;
  write("proc/sys/net/core/rmem_max", "268435456\n");
  EXPECT_EQ(check_socket_buffers(root_).status, Status::ok);
}

TEST_F(Machine, KeyFileMustBeOwnerOnly) {
  const fs::path key = root_ / "validator.key";
  DeployConfig c = config("key_file = \"validator.key\"\n");
  EXPECT_EQ(check_key_file(c).status, Status::fail);  // missing
  std::ofstream(key) << "secret\n";
  chmod(key.c_str(), 0644);
  Finding f = check_key_file(c);
  EXPECT_EQ(f.status, Status::fail);
  EXPECT_NE(f.detail.find("mode 0644"), std::string::npos) << f.detail;
  EXPECT_EQ(f.fix, "chmod 600 " + key.string());
  chmod(key.c_str(), 0600);
  EXPECT_EQ(check_key_file(c).status, Status::ok);
  chmod(key.c_str(), 0640);
  EXPECT_EQ(check_key_file(c).status, Status::fail);
}

TEST_F(Machine, PortInUseFails) {
  for (const bool udp : {false, true}) {
    const int fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    if (!udp) ASSERT_EQ(listen(fd, 1), 0);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    const std::string port = std::to_string(ntohs(a.sin_port));
    const std::string key = udp ? "udp" : "p2p";
    auto found = check_ports(config("[listen]\n" + key + " = \"127.0.0.1:" + port + "\"\n"));
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].status, Status::fail) << found[0].detail;
    EXPECT_NE(found[0].detail.find("in use"), std::string::npos) << found[0].detail;
    close(fd);
    found = check_ports(config("[listen]\n" + key + " = \"127.0.0.1:" + port + "\"\n"));
    EXPECT_EQ(found[0].status, Status::ok) << found[0].detail;
  }
}

TEST_F(Machine, DataDirFsyncIsMeasured) {
  DeployConfig c = config("data_dir = \"data\"\n");
  Finding f = check_data_dir(c);
  EXPECT_NE(f.detail.find("does not exist yet; measured in " + root_.string()), std::string::npos)
      << f.detail;
  EXPECT_EQ(f.status, Status::warn);
  fs::create_directories(root_ / "data");
  f = check_data_dir(c);
  EXPECT_NE(f.status, Status::fail) << f.detail;
  EXPECT_NE(f.detail.find("fdatasync of 4 KiB p50 "), std::string::npos) << f.detail;
  EXPECT_EQ(std::distance(fs::directory_iterator(root_ / "data"), fs::directory_iterator{}), 0)
      << "the probe file is left behind";
}

TEST(Report, TextJsonAndExitRule) {
  std::vector<Finding> v{{"a", Status::ok, "fine", ""}, {"b", Status::warn, "meh", "do x"}};
  EXPECT_TRUE(passed(v));
  EXPECT_EQ(to_text(v), "ok   a: fine\nwarn b: meh\n       fix: do x\n");
  v.push_back({"c", Status::fail, "bad", "do y"});
  EXPECT_FALSE(passed(v));
  const auto j = to_json(v);
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["checks"][2]["status"], "fail");
  EXPECT_EQ(j["checks"][1]["fix"], "do x");
}

TEST(Engines, AutoPicksAnEngine) {
  const auto v = check_engines("/");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[2].check, "engine");
  EXPECT_EQ(v[2].status, Status::ok) << v[2].detail;
  EXPECT_EQ(v[2].detail.rfind("auto picks ", 0), 0u);
}
