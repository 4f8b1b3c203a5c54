// vigild's config takes [tiles] (issue 18): checked against this machine
// when the file is read; two tiles on one core are refused in busy mode,
// with the key and the file named; adaptive mode lets them share.
#include <gtest/gtest.h>

#include "host/affinity/topology.hpp"
#include "host/config/config.hpp"

namespace {

using vigil::config::Config;

const std::string kFile = "/etc/vigil/vigil.toml";
const std::string kRequired = R"(
data_dir = "data"
key_file = "validator.key"
genesis_file = "genesis.json"
[listen]
p2p = "127.0.0.1:7000"
udp = "127.0.0.1:7001"
http = "127.0.0.1:7002"
)";

// A config with `top` (top-level keys) and `tiles` (the [tiles] table).
bool parse_tiles(const std::string& top, const std::string& tiles, Config* c,
                 std::vector<std::string>* errors) {
  return vigil::config::parse(top + kRequired + "[tiles]\n" + tiles, kFile, c, errors);
}

int a_cpu() {
  const auto t = vigil::affinity::read_topology();
  return t.allowed.empty() ? 0 : t.allowed.front();
}

TEST(TilesConfig, PinsAreCheckedAndKept) {
  const std::string cpu = std::to_string(a_cpu());
  Config c;
  std::vector<std::string> e;
  ASSERT_TRUE(parse_tiles("", "net = " + cpu + "\nverify = [" + cpu + "]\n", &c, &e)) << e[0];
  ASSERT_EQ(c.tiles.pins.size(), 2u);
  EXPECT_EQ(c.tiles.pins[0].tile, "net");
  EXPECT_EQ(c.tiles.pins[0].cpu, a_cpu());
  EXPECT_NE(c.tiles.find("verify", 0), nullptr);
  EXPECT_EQ(c.tiles.find("consensus"), nullptr);  // left to the kernel
}

TEST(TilesConfig, NoTilesTableFloatsEverything) {
  Config c;
  std::vector<std::string> e;
  ASSERT_TRUE(vigil::config::parse(kRequired, kFile, &c, &e)) << e[0];
  EXPECT_TRUE(c.tiles.pins.empty());
}

TEST(TilesConfig, BusyRefusesTwoTilesOnOneCore) {
  const std::string cpu = std::to_string(a_cpu());
  Config c;
  std::vector<std::string> e;
  EXPECT_FALSE(
      parse_tiles("idle = \"busy\"\n", "net = " + cpu + "\nverify = [" + cpu + "]\n", &c, &e));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find(kFile + ": tiles.verify[0]: cpu " + cpu + " is already pinned to tiles.net"),
            std::string::npos)
      << e[0];
  EXPECT_NE(e[0].find("busy mode"), std::string::npos) << e[0];
  // The same pins wait in adaptive mode, so they may share the core.
  e.clear();
  EXPECT_TRUE(
      parse_tiles("idle = \"adaptive\"\n", "net = " + cpu + "\nverify = [" + cpu + "]\n", &c, &e))
      << e[0];
}

TEST(TilesConfig, BadPinsNameTheKey) {
  const struct {
    std::string tiles, says;
  } cases[] = {
      {"gpu = 0\n", "tiles.gpu: unknown tile"},
      {"net = 4095\n", "tiles.net: cpu 4095 is not online here"},
      {"net = -1\n", "tiles.net: a cpu number"},
      {"verify = []\n", "tiles.verify: the cpu list is empty"},
      {"net = \"2\"\n", "tiles.net: a cpu number"},
  };
  for (const auto& k : cases) {
    Config c;
    std::vector<std::string> e;
    EXPECT_FALSE(parse_tiles("", k.tiles, &c, &e)) << k.tiles;
    ASSERT_EQ(e.size(), 1u) << k.tiles;
    EXPECT_NE(e[0].find(kFile + ": " + k.says), std::string::npos) << e[0];
  }
  Config c;
  std::vector<std::string> e;
  EXPECT_FALSE(vigil::config::parse("tiles = 3\n" + kRequired, kFile, &c, &e));
  ASSERT_FALSE(e.empty());
  EXPECT_NE(e[0].find("key 'tiles': must be a table"), std::string::npos) << e[0];
}

}  // namespace
