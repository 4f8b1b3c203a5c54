// vigild's configuration: every kind of bad value gives one error that names
// its key and its file; a good file parses with paths relative to it.
#include "host/config/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "host/config/genesis.hpp"
#include "host/crypto/ed25519.hpp"
#include "host/crypto/sig_jsonl.hpp"

namespace {

using vigil::config::Config;

const std::string kGood = R"(
data_dir = "data"
key_file = "validator.key"
genesis_file = "../genesis.json"
[listen]
p2p = "127.0.0.1:7000"
udp = "127.0.0.1:7001"
http = "127.0.0.1:7002"
)";

std::vector<std::string> errors_of(const std::string& text) {
  Config c;
  std::vector<std::string> e;
  vigil::config::parse(text, "/etc/vigil/node.toml", &c, &e);
  return e;
}

// Exactly one error, naming `key` and the file.
void expect_one(const std::string& text, const std::string& key) {
  const auto e = errors_of(text);
  ASSERT_EQ(e.size(), 1u) << (e.empty() ? "no error" : e[0]);
  EXPECT_NE(e[0].find("/etc/vigil/node.toml"), std::string::npos) << e[0];
  EXPECT_NE(e[0].find("'" + key + "'"), std::string::npos) << e[0];
}

TEST(Config, GoodFileParsesWithRelativePaths) {
  Config c;
  std::vector<std::string> e;
  ASSERT_TRUE(vigil::config::parse(kGood, "/etc/vigil/node.toml", &c, &e)) << e[0];
  EXPECT_EQ(c.data_dir, "/etc/vigil/data");
  EXPECT_EQ(c.genesis_file, "/etc/genesis.json");
  EXPECT_EQ(c.listen_udp, "127.0.0.1:7001");
  EXPECT_EQ(c.idle, vigil::config::Idle::adaptive);  // the default
  EXPECT_EQ(c.engine, "auto");
  EXPECT_EQ(c.ledger_write_buffer_mb, 8u);  // memory bounds by default
  Config m;
  ASSERT_TRUE(vigil::config::parse(kGood + "[ledger]\nwrite_buffer_mb = 4\nblock_cache_mb = 2\n",
                                   "/etc/vigil/node.toml", &m, &e));
  EXPECT_EQ(m.ledger_write_buffer_mb, 4u);
  EXPECT_EQ(m.ledger_block_cache_mb, 2u);
}

TEST(Config, EachBadValueNamesItsKeyAndFile) {
  expect_one("bogus = 1\n" + kGood, "bogus");                     // unknown key
  expect_one(kGood + "[batch]\nsize = 0\n", "batch.size");        // out of range
  expect_one(kGood + "[batch]\nsize = \"big\"\n", "batch.size");  // wrong type
  expect_one(kGood + "[batch]\nsizes = 3\n", "batch.sizes");      // unknown in a table
  expect_one("idle = \"sometimes\"\n" + kGood, "idle");           // not one of
  expect_one("rules = \"lax\"\n" + kGood, "rules");
  expect_one("log_level = 3\n" + kGood, "log_level");
  expect_one(kGood + "[packet]\nport = \"tap\"\n", "packet.port");
  expect_one(kGood + "[packet]\nport = \"pcap\"\n", "packet.pcap_file");  // needed by pcap
  expect_one(kGood + "[packet]\neal_args = [1]\n", "packet.eal_args");
  expect_one(kGood + "[packet]\ndevice = 7\n", "packet.device");
  expect_one(kGood + "[queues]\nmempool = 1\n", "queues.mempool");
  expect_one(kGood + "[limits]\nkey_rate = -5\n", "limits.key_rate");
  expect_one(kGood + "[consensus]\nround_timeout_ms = 1\n", "consensus.round_timeout_ms");
  expect_one(kGood + "[ledger]\nwrite_buffer_mb = 0\n", "ledger.write_buffer_mb");
  expect_one(kGood + "[ledger]\nblock_cache_mb = \"lots\"\n", "ledger.block_cache_mb");
  expect_one(kGood + "[ledger]\npage_cache_entries = 10\n", "ledger.page_cache_entries");
  expect_one(kGood + "[ledger]\naccount_cache_entries = -1\n", "ledger.account_cache_entries");
  expect_one(kGood + "[nonsense]\nx = 1\n", "nonsense");  // unknown table
  std::string bad_addr = kGood;
  bad_addr.replace(bad_addr.find("127.0.0.1:7002"), 14, "127.0.0.1:99999");
  expect_one(bad_addr, "listen.http");
  std::string no_port = kGood;
  no_port.replace(no_port.find("127.0.0.1:7000"), 14, "localhost");
  expect_one(no_port, "listen.p2p");
  std::string missing = kGood;
  missing.erase(missing.find("key_file"),
                missing.find('\n', missing.find("key_file")) - missing.find("key_file") + 1);
  expect_one(missing, "key_file");
}

// A dpdk port opens packet.device, else the first device eal_args names.
TEST(Config, DpdkDeviceDefaultsToTheFirstTheEalArgumentsName) {
  Config c;
  c.eal_args = {"-l", "0", "-a", "0000:00:03.0", "--vdev=net_ring0"};
  EXPECT_EQ(vigil::config::dpdk_device(c), "0000:00:03.0");
  c.eal_args = {"--no-pci", "--vdev=net_pcap0,rx_pcap=/tmp/x.pcap", "-a", "01:00.0"};
  EXPECT_EQ(vigil::config::dpdk_device(c), "net_pcap0");
  c.eal_args = {"--allow=0000:02:00.1,rxq=4"};
  EXPECT_EQ(vigil::config::dpdk_device(c), "0000:02:00.1");
  c.eal_args = {"-a0000:05:00.0"};
  EXPECT_EQ(vigil::config::dpdk_device(c), "0000:05:00.0");
  c.eal_args = {"--no-pci", "-l", "0"};
  EXPECT_EQ(vigil::config::dpdk_device(c), "");
  c.dpdk_device = "net_null0";
  EXPECT_EQ(vigil::config::dpdk_device(c), "net_null0");
}

// [peers]: the address book of validators that governance may add.
TEST(Config, PeersTableMapsKeysToAddresses) {
  const std::string k1(64, 'a'), k2(64, '0');
  Config c;
  std::vector<std::string> e;
  ASSERT_TRUE(vigil::config::parse(
      kGood + "[peers]\n\"" + k1 + "\" = \"10.0.0.1:7000\"\n\"" + k2 + "\" = \"127.0.0.1:7003\"\n",
      "/etc/vigil/node.toml", &c, &e))
      << e[0];
  ASSERT_EQ(c.peers.size(), 2u);
  std::vector<std::string> got;
  for (const auto& [k, a] : c.peers) got.push_back(vigil::crypto::to_hex(k.data(), 32) + "=" + a);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got[0], k2 + "=127.0.0.1:7003");
  EXPECT_EQ(got[1], k1 + "=10.0.0.1:7000");
  EXPECT_TRUE(errors_of(kGood).empty());  // no [peers]: none
}

TEST(Config, EachBadPeerNamesItsKeyAndFile) {
  const std::string k(64, 'b');
  auto peers = [&](const std::string& entry) { return kGood + "[peers]\n" + entry + "\n"; };
  expect_one(peers("\"" + k + "\" = \"10.0.0.1\""), "peers." + k);             // no port
  expect_one(peers("\"" + k + "\" = \"10.0.0.1:0\""), "peers." + k);           // port 0
  expect_one(peers("\"" + k + "\" = \"node-1.example:7000\""), "peers." + k);  // a name
  expect_one(peers("\"" + k + "\" = 7000"), "peers." + k);                     // not a string
  expect_one(peers("\"abcd\" = \"10.0.0.1:7000\""), "peers.abcd");             // short key
  const std::string zz = std::string(62, 'a') + "zz";
  expect_one(peers("\"" + zz + "\" = \"10.0.0.1:7000\""), "peers." + zz);  // not hex
  expect_one("peers = 3\n" + kGood, "peers");                              // not a table
  // Two bad entries: two errors, one each.
  const auto e = errors_of(peers("x = \"1.2.3.4:5\"\n\"" + k + "\" = \"\""));
  EXPECT_EQ(e.size(), 2u);
}

TEST(Config, EveryProblemIsReportedNotOnlyTheFirst) {
  const auto e = errors_of("a = 1\nb = 2\n" + kGood + "[batch]\nsize = 0\n");
  EXPECT_EQ(e.size(), 3u);
}

TEST(Config, SyntaxErrorNamesFileAndLine) {
  const auto e = errors_of("data_dir = \n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("/etc/vigil/node.toml:1"), std::string::npos) << e[0];
}

TEST(Config, MissingFileIsAnError) {
  Config c;
  std::vector<std::string> e;
  EXPECT_FALSE(vigil::config::load("/nonexistent/vigild.toml", &c, &e));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("/nonexistent/vigild.toml"), std::string::npos);
}

std::string key_hex(uint8_t b) {
  std::array<uint8_t, 32> k;
  k.fill(b);
  return vigil::crypto::to_hex(k.data(), 32);
}

TEST(Genesis, BadEntriesNameTheirKey) {
  const std::string v = R"({"key":")" + key_hex(1) + R"(","p2p":"127.0.0.1:1"})";
  auto check = [](const std::string& text, const std::string& key) {
    vigil::config::GenesisFile g;
    std::vector<std::string> e;
    EXPECT_FALSE(vigil::config::parse_genesis(text, "g.json", &g, &e));
    ASSERT_FALSE(e.empty());
    EXPECT_NE(e[0].find("g.json"), std::string::npos) << e[0];
    EXPECT_NE(e[0].find("'" + key + "'"), std::string::npos) << e[0];
  };
  check(R"({"chain":"c","validators":[)" + v + "," + v + "]}", "validators[1].key");
  check(R"({"chain":"c","validators":[{"key":"zz","p2p":"127.0.0.1:1"}]})", "validators[0].key");
  check(R"({"chain":"c","validators":[{"key":")" + key_hex(2) + R"(","p2p":"nowhere"}]})",
        "validators[0].p2p");
  check(R"({"chain":"c","validators":[]})", "validators");
  check(R"({"chain":"c","validators":[)" + v + R"(],"accounts":[{"key":")" + key_hex(3) +
            R"(","balance":-1}]})",
        "accounts[0].balance");
  check(R"({"chain":"c","validators":[)" + v + R"(],"extra":1})", "extra");
  vigil::config::GenesisFile g;
  std::vector<std::string> e;
  ASSERT_TRUE(
      vigil::config::parse_genesis(R"({"chain":"c","validators":[)" + v + "]}", "g.json", &g, &e));
  // The chain id is the file's hash: another file, another chain.
  vigil::config::GenesisFile g2;
  ASSERT_TRUE(
      vigil::config::parse_genesis(R"({"chain":"d","validators":[)" + v + "]}", "g.json", &g2, &e));
  EXPECT_NE(g.chain_id, g2.chain_id);
}

TEST(KeyFile, PublicKeyMustBeTheSeeds) {
  const auto dir = std::filesystem::temp_directory_path() / "vigil_keyfile_test";
  std::filesystem::create_directories(dir);
  const auto k = vigil::crypto::generate_keypair();
  const auto other = vigil::crypto::generate_keypair();
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  };
  std::array<uint8_t, 32> seed;
  std::vector<std::string> e;
  const std::string good =
      write("good.key", R"({"seed":")" + vigil::crypto::to_hex(k.seed.data(), 32) + R"(","pk":")" +
                            vigil::crypto::to_hex(k.public_key.data(), 32) + "\"}\n");
  EXPECT_TRUE(vigil::config::load_key_file(good, &seed, &e));
  EXPECT_EQ(seed, k.seed);
  const std::string bad =
      write("bad.key", R"({"seed":")" + vigil::crypto::to_hex(k.seed.data(), 32) + R"(","pk":")" +
                           vigil::crypto::to_hex(other.public_key.data(), 32) + "\"}\n");
  EXPECT_FALSE(vigil::config::load_key_file(bad, &seed, &e));
  ASSERT_FALSE(e.empty());
  EXPECT_NE(e.back().find("'pk'"), std::string::npos);
  EXPECT_NE(e.back().find("bad.key"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
