// The peer handshake and network, tested as an attacker would: an unknown
// key, a proof over the wrong challenge, another chain, another version, a
// replayed proof, an oversized message, garbage before the handshake; each
// is refused and counted, while honest peers exchange messages.
#include "host/p2p/handshake.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "host/p2p/network.hpp"
#include "tests/p2p/raw_socket.hpp"

namespace {

using namespace vigil;
using namespace vigil::p2p;
using namespace std::chrono_literals;

Identity identity(const crypto::Keypair& k, const std::vector<Key>& set) {
  Identity id;
  id.chain_id.fill(7);
  id.key = k;
  id.validators = set;
  return id;
}

// a and b run networks; c is a validator with no node running, whose key the
// attacker-side tests hold (a peer that is a validator and misbehaves).
struct Pair {
  crypto::Keypair a = crypto::generate_keypair(), b = crypto::generate_keypair(),
                  c = crypto::generate_keypair();
  std::vector<Key> set{a.public_key, b.public_key, c.public_key};
  Identity ia = identity(a, set), ib = identity(b, set), ic = identity(c, set);
};

TEST(Handshake, BothSidesProveTheirKeys) {
  Pair p;
  const Hello ha{p.ia.chain_id, p.a.public_key, {1}}, hb{p.ib.chain_id, p.b.public_key, {2}};
  Hello decoded;
  ASSERT_EQ(decode_hello(encode_hello(ha), decoded), Refusal::none);
  EXPECT_EQ(decoded.public_key, p.a.public_key);
  uint32_t index = 9;
  EXPECT_EQ(check_hello(p.ib, ha, &index), Refusal::none);
  EXPECT_EQ(index, 0u);
  const auto proof = make_proof(p.ia, hb);  // a signs b's challenge
  EXPECT_EQ(check_proof(p.ib, hb.challenge, ha, proof), Refusal::none);
}

TEST(Handshake, RefusesWhatAnAttackerSends) {
  Pair p;
  const Hello hb{p.ib.chain_id, p.b.public_key, {2}};
  const auto stranger = crypto::generate_keypair();
  uint32_t i = 0;
  EXPECT_EQ(check_hello(p.ib, Hello{p.ib.chain_id, stranger.public_key, {}}, &i),
            Refusal::unknown_key);
  EXPECT_EQ(check_hello(p.ib, Hello{{}, p.a.public_key, {}}, &i), Refusal::chain);
  EXPECT_EQ(check_hello(p.ib, hb, &i), Refusal::self);
  // A proof over another challenge (a replay from an older session) fails.
  const Hello ha{p.ia.chain_id, p.a.public_key, {1}};
  Hello old_b = hb;
  old_b.challenge[0] ^= 1;
  EXPECT_EQ(check_proof(p.ib, hb.challenge, ha, make_proof(p.ia, old_b)), Refusal::bad_proof);
  // A proof by the stranger in a's name fails.
  Identity forged = p.ia;
  forged.key = stranger;
  EXPECT_EQ(check_proof(p.ib, hb.challenge, ha, make_proof(forged, hb)), Refusal::bad_proof);
  // Wire: bad magic, reserved bits, version, size.
  auto bytes = encode_hello(ha);
  Hello out;
  auto bad = bytes;
  bad[0] ^= 1;
  EXPECT_EQ(decode_hello(bad, out), Refusal::malformed);
  bad = bytes;
  bad[6] = 1;
  EXPECT_EQ(decode_hello(bad, out), Refusal::malformed);
  bad = bytes;
  bad[4] = 2;
  EXPECT_EQ(decode_hello(bad, out), Refusal::version);
  EXPECT_EQ(decode_hello(std::span(bytes).first(100), out), Refusal::malformed);
}

// A new set: a key it dropped is refused as removed (not as a stranger's),
// the keys it kept have their new indices, and a key that comes back is no
// longer removed.
TEST(Handshake, RemovedKeyIsToldFromAStranger) {
  Pair p;
  const auto d = crypto::generate_keypair(), stranger = crypto::generate_keypair();
  Identity id = p.ib;
  replace_validators(id, {p.c.public_key, p.b.public_key, d.public_key});
  uint32_t i = 9;
  EXPECT_EQ(check_hello(id, Hello{id.chain_id, p.a.public_key, {}}, &i), Refusal::removed_key);
  EXPECT_EQ(check_hello(id, Hello{id.chain_id, stranger.public_key, {}}, &i), Refusal::unknown_key);
  EXPECT_EQ(check_hello(id, Hello{id.chain_id, p.c.public_key, {}}, &i), Refusal::none);
  EXPECT_EQ(i, 0u);
  EXPECT_EQ(check_hello(id, Hello{id.chain_id, d.public_key, {}}, &i), Refusal::none);
  EXPECT_EQ(i, 2u);
  replace_validators(id, {p.a.public_key, p.b.public_key});
  EXPECT_EQ(check_hello(id, Hello{id.chain_id, p.a.public_key, {}}, &i), Refusal::none);
  EXPECT_EQ(i, 0u);
  EXPECT_EQ(check_hello(id, Hello{id.chain_id, p.c.public_key, {}}, &i), Refusal::removed_key);
  EXPECT_EQ(check_hello(id, Hello{id.chain_id, d.public_key, {}}, &i), Refusal::removed_key);
  EXPECT_EQ(refusal_name(Refusal::removed_key), "removed_key");
}

TEST(Framing, LengthPrefixBounds) {
  EXPECT_EQ(decode_length(encode_length(5), 10), 5u);
  EXPECT_FALSE(decode_length(encode_length(11), 10));
  EXPECT_FALSE(decode_length(encode_length(0), 10));
}

// --- over sockets ------------------------------------------------------------

uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

struct Inbox {
  std::mutex mu;
  std::vector<std::pair<uint32_t, std::vector<uint8_t>>> got;
  size_t size() {
    std::lock_guard lk(mu);
    return got.size();
  }
};

template <typename F>
bool eventually(F f, std::chrono::milliseconds limit = 5000ms) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return f();
}

std::unique_ptr<Network> start_network(const Identity& id, uint16_t port,
                                       std::vector<std::string> peers, Inbox* box) {
  NetworkConfig c;
  c.identity = id;
  c.listen = "127.0.0.1:" + std::to_string(port);
  c.peers = std::move(peers);
  c.max_message = 1 << 16;
  c.handshake_timeout = 1000ms;
  auto net = std::make_unique<Network>(
      c,
      [box](uint32_t from, std::vector<uint8_t>&& b) {
        std::lock_guard lk(box->mu);
        box->got.emplace_back(from, std::move(b));
      },
      [](uint32_t, bool, const std::string&) {});
  std::string err;
  if (!net->start(&err)) ADD_FAILURE() << err;
  return net;
}

std::string loopback(uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

class NetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ports = {free_port(), free_port()};
    for (int i = 0; i < 2; ++i)
      nets[i] = start_network(identity(i ? p.b : p.a, p.set), ports[size_t(i)],
                              {loopback(ports[0]), loopback(ports[1]), ""}, &inbox[i]);
    ASSERT_TRUE(eventually(
        [&] { return nets[0]->peers_connected() == 1 && nets[1]->peers_connected() == 1; }));
  }
  Pair p;
  std::vector<uint16_t> ports;
  std::unique_ptr<Network> nets[2];
  Inbox inbox[2];
};

TEST_F(NetworkTest, HonestPeersExchangeMessages) {
  auto msg = std::make_shared<const std::vector<uint8_t>>(std::vector<uint8_t>{1, 2, 3});
  nets[0]->send(1, msg);
  nets[1]->broadcast(msg);
  ASSERT_TRUE(eventually([&] { return inbox[1].size() == 1 && inbox[0].size() == 1; }));
  EXPECT_EQ(inbox[1].got[0].first, 0u);  // from validator 0, as authenticated
  EXPECT_EQ(inbox[1].got[0].second, *msg);
}

TEST_F(NetworkTest, UnknownKeyIsRefusedBeforeAnyMessage) {
  const int fd = test::tcp_connect(ports[1]);
  ASSERT_GE(fd, 0);
  const auto stranger = crypto::generate_keypair();
  const auto hello = encode_hello({p.ib.chain_id, stranger.public_key, {3}});
  ASSERT_EQ(write(fd, hello.data(), hello.size()), ssize_t(hello.size()));
  // A message right behind the hello is never read.
  const uint8_t junk[] = {3, 0, 0, 0, 9, 9, 9};
  (void)!write(fd, junk, sizeof junk);
  EXPECT_TRUE(test::closed_by_peer(fd));
  close(fd);
  const auto& c = nets[1]->counters();
  EXPECT_TRUE(eventually([&] { return c.refused[size_t(Refusal::unknown_key)] == 1; }));
  EXPECT_EQ(inbox[1].size(), 0u);
}

TEST_F(NetworkTest, WrongChainAndGarbageAreRefusedAndCounted) {
  int fd = test::tcp_connect(ports[1]);
  auto hello = encode_hello({ChainId{}, p.a.public_key, {3}});
  (void)!write(fd, hello.data(), hello.size());
  EXPECT_TRUE(test::closed_by_peer(fd));
  close(fd);
  fd = test::tcp_connect(ports[1]);
  std::vector<uint8_t> garbage(kHelloBytes, 0xab);
  (void)!write(fd, garbage.data(), garbage.size());
  EXPECT_TRUE(test::closed_by_peer(fd));
  close(fd);
  const auto& c = nets[1]->counters();
  EXPECT_TRUE(eventually([&] {
    return c.refused[size_t(Refusal::chain)] == 1 && c.refused[size_t(Refusal::malformed)] == 1;
  }));
}

// Validator a's key, but a proof that does not answer this session's challenge.
TEST_F(NetworkTest, BadProofIsRefused) {
  const int fd = test::tcp_connect(ports[1]);
  const auto hello = encode_hello({p.ia.chain_id, p.a.public_key, {4}});
  (void)!write(fd, hello.data(), hello.size());
  uint8_t theirs[kHelloBytes];
  ASSERT_TRUE(test::read_all(fd, theirs, sizeof theirs));
  Hello hb;
  ASSERT_EQ(decode_hello(theirs, hb), Refusal::none);
  hb.challenge[5] ^= 0xff;  // signs a challenge that was never sent
  const auto proof = make_proof(p.ia, hb);
  (void)!write(fd, proof.data(), proof.size());
  EXPECT_TRUE(test::closed_by_peer(fd));
  close(fd);
  EXPECT_TRUE(eventually(
      [&] { return nets[1]->counters().refused[size_t(Refusal::bad_proof)].load() == 1; }));
}

// A validator's genuine session (c's key) that then sends a length over the maximum.
TEST_F(NetworkTest, OversizedMessageClosesTheSession) {
  const int fd = test::tcp_connect(ports[1]);
  const auto hello = encode_hello({p.ic.chain_id, p.c.public_key, {4}});
  (void)!write(fd, hello.data(), hello.size());
  uint8_t theirs[kHelloBytes];
  ASSERT_TRUE(test::read_all(fd, theirs, sizeof theirs));
  Hello hb;
  ASSERT_EQ(decode_hello(theirs, hb), Refusal::none);
  const auto proof = make_proof(p.ic, hb);
  (void)!write(fd, proof.data(), proof.size());
  uint8_t their_proof[kProofBytes];
  ASSERT_TRUE(test::read_all(fd, their_proof, sizeof their_proof));
  const auto ok = encode_length(2);
  const uint8_t body[] = {7, 7};
  (void)!write(fd, ok.data(), ok.size());
  (void)!write(fd, body, 2);
  const auto huge = encode_length((1 << 16) + 1);
  (void)!write(fd, huge.data(), huge.size());
  EXPECT_TRUE(test::closed_by_peer(fd));
  close(fd);
  EXPECT_TRUE(eventually([&] { return nets[1]->counters().oversized.load() == 1; }));
  EXPECT_TRUE(eventually([&] { return inbox[1].size() == 1; }));  // the one before arrived
  EXPECT_EQ(inbox[1].got[0].first, 2u);
  // The real validator a is still connected.
  EXPECT_TRUE(eventually([&] { return nets[1]->peers_connected() == 1; }));
}

// Governance dropped a: b closes a's session and refuses its redials as
// removed_key before reading anything from it.
TEST_F(NetworkTest, RemovedValidatorIsClosedAndRefused) {
  nets[1]->set_validators({p.b.public_key, p.c.public_key}, {loopback(ports[1]), ""});
  const auto& c = nets[1]->counters();
  EXPECT_TRUE(eventually([&] { return c.removed_closed.load() >= 1; }));
  EXPECT_TRUE(eventually([&] { return c.refused[size_t(Refusal::removed_key)].load() >= 1; }));
  EXPECT_EQ(nets[1]->peers_connected(), 0u);
  // a, still on the old set, sends into the void: b reads none of it.
  nets[0]->send(1, std::make_shared<const std::vector<uint8_t>>(std::vector<uint8_t>{1}));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(inbox[1].size(), 0u);
  EXPECT_EQ(c.refused[size_t(Refusal::unknown_key)].load(), 0u);
}

// A new order of the same keys: the sessions stay up, and messages go to
// and come from the new indices.
TEST_F(NetworkTest, KeptPeersAreRenumberedWithoutReconnecting) {
  const std::vector<Key> next{p.c.public_key, p.b.public_key, p.a.public_key};
  const std::vector<std::string> addrs{"", loopback(ports[1]), loopback(ports[0])};
  nets[0]->set_validators(next, addrs);
  nets[1]->set_validators(next, addrs);
  const auto msg = std::make_shared<const std::vector<uint8_t>>(std::vector<uint8_t>{4, 2});
  nets[0]->send(1, msg);  // b's new index
  nets[1]->send(2, msg);  // a's new index
  ASSERT_TRUE(eventually([&] { return inbox[0].size() == 1 && inbox[1].size() == 1; }));
  EXPECT_EQ(inbox[1].got[0].first, 2u);  // from a, by its new index
  EXPECT_EQ(inbox[0].got[0].first, 1u);
  EXPECT_EQ(nets[0]->counters().sessions_down.load(), 0u);
  EXPECT_EQ(nets[1]->counters().sessions_down.load(), 0u);
  EXPECT_EQ(nets[0]->peers_connected(), 1u);
}

// b is not in a's set yet (a refuses it as a stranger); once a's set adds
// it, a dials it from the address it was given and they talk.
TEST(NetworkSet, AddedValidatorIsDialed) {
  Pair p;
  const std::vector<uint16_t> ports{free_port(), free_port()};
  Inbox inbox[2];
  auto a = start_network(identity(p.a, {p.a.public_key, p.c.public_key}), ports[0],
                         {loopback(ports[0]), ""}, &inbox[0]);
  auto b = start_network(identity(p.b, p.set), ports[1],
                         {loopback(ports[0]), loopback(ports[1]), ""}, &inbox[1]);
  EXPECT_TRUE(
      eventually([&] { return a->counters().refused[size_t(Refusal::unknown_key)].load() >= 1; }));
  EXPECT_EQ(a->peers_connected(), 0u);
  a->set_validators(p.set, {loopback(ports[0]), loopback(ports[1]), ""});
  ASSERT_TRUE(eventually([&] { return a->peers_connected() == 1 && b->peers_connected() == 1; }));
  a->send(1, std::make_shared<const std::vector<uint8_t>>(std::vector<uint8_t>{9}));
  ASSERT_TRUE(eventually([&] { return inbox[1].size() == 1; }));
  EXPECT_EQ(inbox[1].got[0].first, 0u);
  EXPECT_GE(a->counters().sessions_up.load(), 1u);
}

}  // namespace
