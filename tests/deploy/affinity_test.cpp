// host/affinity: cpulist parsing, the [tiles] plan against a scratch sysfs,
// pinning and NUMA-local buffers on this machine.
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "host/affinity/cpu_list.hpp"
#include "host/affinity/numa_buffer.hpp"
#include "host/affinity/pin.hpp"
#include "host/affinity/tile_plan.hpp"

namespace fs = std::filesystem;
using namespace vigil::affinity;

namespace {

std::vector<int> cpus(std::string_view text) {
  std::string why;
  auto v = parse_cpu_list(text, &why);
  EXPECT_TRUE(v) << why;
  return v.value_or(std::vector<int>{});
}

// A machine with 8 cpus on two nodes (0-3, 4-7) and isolcpus=2-5.
class FakeSysfs : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("vigil-affinity-" + std::to_string(getpid()));
    fs::remove_all(root_);
    write("sys/devices/system/cpu/online", "0-7\n");
    write("sys/devices/system/cpu/isolated", "2-5\n");
    write("sys/devices/system/node/node0/cpulist", "0-3\n");
    write("sys/devices/system/node/node1/cpulist", "4-7\n");
    write("sys/devices/system/node/possible", "0-1\n");  // not a nodeN folder
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
  }
  std::optional<TilePlan> plan(std::string_view toml_text, std::string* error,
                               WaitMode idle = WaitMode::busy) {
    auto doc = toml::parse(toml_text);
    return plan_tiles(doc["tiles"].as_table(), idle, read_topology(root_), "/etc/vigil/vigil.toml",
                      error);
  }
  fs::path root_;
};

}  // namespace

TEST(CpuList, ParsesKernelFormat) {
  EXPECT_EQ(cpus("0-3,8,10-11\n"), (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(cpus(""), std::vector<int>{});
  EXPECT_EQ(cpus("\n"), std::vector<int>{});
  EXPECT_EQ(cpus("5,1,1-2"), (std::vector<int>{1, 2, 5}));
}

TEST(CpuList, RefusesMalformed) {
  for (const char* bad : {"3-1", "a", "1,,2", "-1", "1-", "4096", "1-99999999999", "0x3"}) {
    std::string why;
    EXPECT_FALSE(parse_cpu_list(bad, &why)) << bad;
    EXPECT_NE(why.find("bad cpu list item"), std::string::npos) << bad;
  }
}

TEST(CpuList, FormatsShortest) {
  const std::vector<int> v{0, 1, 2, 5, 7, 8};
  EXPECT_EQ(format_cpu_list(v), "0-2,5,7-8");
  EXPECT_EQ(format_cpu_list({}), "");
}

TEST_F(FakeSysfs, ReadsTopology) {
  const Topology t = read_topology(root_);
  EXPECT_EQ(t.online, cpus("0-7"));
  EXPECT_EQ(t.isolated, cpus("2-5"));
  EXPECT_EQ(t.node(3), 0);
  EXPECT_EQ(t.node(4), 1);
  EXPECT_EQ(t.node(9), -1);
}

TEST_F(FakeSysfs, PlansPinsWithNodes) {
  std::string why;
  auto p = plan("[tiles]\nnet = 2\nverify = [3, 4]\n", &why);
  ASSERT_TRUE(p) << why;
  ASSERT_EQ(p->pins.size(), 3u);
  ASSERT_NE(p->find("verify", 1), nullptr);
  EXPECT_EQ(p->find("verify", 1)->cpu, 4);
  EXPECT_EQ(p->find("verify", 1)->node, 1);
  EXPECT_EQ(p->find("net")->node, 0);
  EXPECT_EQ(p->find("ledger"), nullptr);
  EXPECT_TRUE(p->warnings.empty());
}

TEST_F(FakeSysfs, BusyRefusesTwoTilesOnOneCore) {
  std::string why;
  EXPECT_FALSE(plan("[tiles]\nnet = 3\nverify = [3, 4]\n", &why));
  EXPECT_NE(
      why.find("/etc/vigil/vigil.toml: tiles.verify[0]: cpu 3 is already pinned to tiles.net"),
      std::string::npos)
      << why;
  // The same core listed twice within one tile is refused as well.
  EXPECT_FALSE(plan("[tiles]\nverify = [4, 4]\n", &why));
  EXPECT_NE(why.find("tiles.verify[1]"), std::string::npos) << why;
}

TEST_F(FakeSysfs, AdaptiveAllowsSharedCores) {
  std::string why;
  auto p = plan("[tiles]\nnet = 3\nverify = [3, 4]\n", &why, WaitMode::adaptive);
  ASSERT_TRUE(p) << why;
  EXPECT_TRUE(p->warnings.empty());
  EXPECT_EQ(p->pins.size(), 3u);
}

TEST_F(FakeSysfs, BusyOutsideIsolcpusWarns) {
  std::string why;
  auto p = plan("[tiles]\nnet = 1\nverify = 2\n", &why);
  ASSERT_TRUE(p) << why;
  ASSERT_EQ(p->warnings.size(), 1u);
  EXPECT_NE(p->warnings[0].find("tiles.net: cpu 1 is not in isolcpus"), std::string::npos);
}

TEST_F(FakeSysfs, RefusesBadValuesNamingTheKey) {
  const std::pair<const char*, const char*> cases[] = {
      {"[tiles]\nnet = 8\n", "tiles.net: cpu 8 is not online here (online: 0-7)"},
      {"[tiles]\nnett = 1\n", "tiles.nett: unknown tile"},
      {"[tiles]\nnet = \"2\"\n", "tiles.net: a cpu number"},
      {"[tiles]\nnet = -1\n", "tiles.net: a cpu number"},
      {"[tiles]\nverify = []\n", "tiles.verify: the cpu list is empty"},
      {"[tiles]\nverify = [1, 2.5]\n", "tiles.verify: a cpu number"},
  };
  for (const auto& [text, want] : cases) {
    std::string why;
    EXPECT_FALSE(plan(text, &why)) << text;
    EXPECT_NE(why.find(want), std::string::npos) << text << " -> " << why;
    EXPECT_EQ(why.rfind("/etc/vigil/vigil.toml: ", 0), 0u) << why;
  }
}

TEST(WaitMode, ParsesIdleKey) {
  EXPECT_EQ(parse_wait_mode("busy"), WaitMode::busy);
  EXPECT_EQ(parse_wait_mode("adaptive"), WaitMode::adaptive);
  EXPECT_FALSE(parse_wait_mode("spin"));
  EXPECT_FALSE(parse_wait_mode("Busy"));
}

TEST_F(FakeSysfs, NoTilesTableFloatsEverything) {
  std::string why;
  auto p = plan("data_dir = \"x\"\n", &why);
  ASSERT_TRUE(p) << why;
  EXPECT_TRUE(p->pins.empty());
}

TEST(Pin, RunsOnTheChosenCpu) {
  const Topology t = read_topology();
  ASSERT_FALSE(t.allowed.empty());
  const int cpu = t.allowed.back();
  std::thread th([cpu] {
    std::string why;
    ASSERT_TRUE(pin_this_thread(cpu, &why)) << why;
    for (int i = 0; i < 100; ++i) EXPECT_EQ(sched_getcpu(), cpu);
  });
  th.join();
  std::string why;
  EXPECT_FALSE(pin_this_thread(CPU_SETSIZE, &why));
  EXPECT_NE(why.find("out of range"), std::string::npos);
}

// The plan applied to running threads, as vigild does at start: each named
// thread lands on its core; a pin with no thread here is said, not applied.
TEST(Pin, ApplyPlanPinsEachNamedThread) {
  const Topology t = read_topology();
  ASSERT_FALSE(t.allowed.empty());
  const int cpu = t.allowed.back();
  std::atomic<bool> go{false};
  std::atomic<int> seen{-2};
  std::thread net([&] {
    while (!go) std::this_thread::yield();
    int on = sched_getcpu();
    for (int i = 0; i < 100; ++i) on = sched_getcpu() == on ? on : -1;
    seen = on;
  });
  std::thread other([&] {
    while (!go) std::this_thread::yield();
  });
  TilePlan plan;
  plan.pins = {{"net", 0, cpu, -1}, {"ledger", 0, cpu, 0}, {"verify", 1, cpu, -1}};
  plan.warnings = {"tiles.net: cpu is not in isolcpus"};
  const TileThread threads[] = {{"net", &net}, {"verify", &other}};
  std::vector<std::string> notes;
  std::string why;
  ASSERT_TRUE(apply_plan(plan, threads, &notes, &why)) << why;
  go = true;
  net.join();
  other.join();
  EXPECT_EQ(seen.load(), cpu);
  ASSERT_EQ(notes.size(), 4u);
  EXPECT_EQ(notes[0], "tiles.net: cpu is not in isolcpus");
  EXPECT_EQ(notes[1], "tile net pinned to cpu " + std::to_string(cpu));
  EXPECT_NE(notes[2].find("tiles.ledger[0]: no thread of its own here (tile threads: net, verify)"),
            std::string::npos)
      << notes[2];
  EXPECT_NE(notes[3].find("tiles.verify[1]: no thread"), std::string::npos) << notes[3];

  // A pin that fails stops the start and names its key.
  std::thread idle([] {});
  plan.pins = {{"net", 0, CPU_SETSIZE, -1}};
  const TileThread one[] = {{"net", &idle}};
  EXPECT_FALSE(apply_plan(plan, one, &notes, &why));
  EXPECT_NE(why.find("tiles.net[0]: cpu " + std::to_string(CPU_SETSIZE) + " is out of range"),
            std::string::npos)
      << why;
  idle.join();
}

TEST(Numa, BufferLandsOnTheNodeOfItsCpu) {
  if (!numa_supported()) GTEST_SKIP() << "no NUMA support in this kernel";
  const Topology t = read_topology();
  const int node = t.node(t.allowed.front());
  ASSERT_GE(node, 0);
  NumaBuffer b(1 << 20, node);
  ASSERT_NE(b.data(), nullptr);
  EXPECT_EQ(b.node(), node);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % 4096, 0u);
  EXPECT_EQ(node_of_address(b.data()), node);
  EXPECT_EQ(node_of_address(b.data() + b.size() - 1), node);
  NumaBuffer moved = std::move(b);
  EXPECT_EQ(b.data(), nullptr);
  EXPECT_EQ(moved.size(), 1u << 20);
}

TEST(Numa, PlainBufferWithoutNode) {
  NumaBuffer b(100, -1);
  ASSERT_NE(b.data(), nullptr);
  EXPECT_EQ(b.node(), -1);
  EXPECT_EQ(b.bytes().size(), 100u);
  EXPECT_EQ(b.data()[99], 0);
}
