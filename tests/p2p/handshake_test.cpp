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

int connect_to(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool read_all(int fd, uint8_t* p, size_t n) {
  while (n) {
    const ssize_t r = read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= size_t(r);
  }
  return true;
}

// True when the peer closed the connection (read returns 0 or an error).
bool closed_by_peer(int fd) {
  timeval tv{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  uint8_t b[256];
  for (;;) {
    const ssize_t r = read(fd, b, sizeof b);
    if (r <= 0) return true;
  }
}

class NetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ports = {free_port(), free_port()};
    for (int i = 0; i < 2; ++i) {
      NetworkConfig c;
      c.identity = identity(i ? p.b : p.a, p.set);
      c.listen = "127.0.0.1:" + std::to_string(ports[size_t(i)]);
      c.peers = {"127.0.0.1:" + std::to_string(ports[0]), "127.0.0.1:" + std::to_string(ports[1]),
                 ""};
      c.max_message = 1 << 16;
      c.handshake_timeout = 1000ms;
      Inbox* box = &inbox[i];
      nets[i] = std::make_unique<Network>(
          c,
          [box](uint32_t from, std::vector<uint8_t>&& b) {
            std::lock_guard lk(box->mu);
            box->got.emplace_back(from, std::move(b));
          },
          [](uint32_t, bool, const std::string&) {});
      std::string err;
      ASSERT_TRUE(nets[i]->start(&err)) << err;
    }
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
  const int fd = connect_to(ports[1]);
  ASSERT_GE(fd, 0);
  const auto stranger = crypto::generate_keypair();
  const auto hello = encode_hello({p.ib.chain_id, stranger.public_key, {3}});
  ASSERT_EQ(write(fd, hello.data(), hello.size()), ssize_t(hello.size()));
  // A message right behind the hello is never read.
  const uint8_t junk[] = {3, 0, 0, 0, 9, 9, 9};
  (void)!write(fd, junk, sizeof junk);
  EXPECT_TRUE(closed_by_peer(fd));
  close(fd);
  const auto& c = nets[1]->counters();
  EXPECT_TRUE(eventually([&] { return c.refused[size_t(Refusal::unknown_key)] == 1; }));
  EXPECT_EQ(inbox[1].size(), 0u);
}

TEST_F(NetworkTest, WrongChainAndGarbageAreRefusedAndCounted) {
  int fd = connect_to(ports[1]);
  auto hello = encode_hello({ChainId{}, p.a.public_key, {3}});
  (void)!write(fd, hello.data(), hello.size());
  EXPECT_TRUE(closed_by_peer(fd));
  close(fd);
  fd = connect_to(ports[1]);
  std::vector<uint8_t> garbage(kHelloBytes, 0xab);
  (void)!write(fd, garbage.data(), garbage.size());
  EXPECT_TRUE(closed_by_peer(fd));
  close(fd);
  const auto& c = nets[1]->counters();
  EXPECT_TRUE(eventually([&] {
    return c.refused[size_t(Refusal::chain)] == 1 && c.refused[size_t(Refusal::malformed)] == 1;
  }));
}

// Validator a's key, but a proof that does not answer this session's challenge.
TEST_F(NetworkTest, BadProofIsRefused) {
  const int fd = connect_to(ports[1]);
  const auto hello = encode_hello({p.ia.chain_id, p.a.public_key, {4}});
  (void)!write(fd, hello.data(), hello.size());
  uint8_t theirs[kHelloBytes];
  ASSERT_TRUE(read_all(fd, theirs, sizeof theirs));
  Hello hb;
  ASSERT_EQ(decode_hello(theirs, hb), Refusal::none);
  hb.challenge[5] ^= 0xff;  // signs a challenge that was never sent
  const auto proof = make_proof(p.ia, hb);
  (void)!write(fd, proof.data(), proof.size());
  EXPECT_TRUE(closed_by_peer(fd));
  close(fd);
  EXPECT_TRUE(eventually(
      [&] { return nets[1]->counters().refused[size_t(Refusal::bad_proof)].load() == 1; }));
}

// A validator's genuine session (c's key) that then sends a length over the maximum.
TEST_F(NetworkTest, OversizedMessageClosesTheSession) {
  const int fd = connect_to(ports[1]);
  const auto hello = encode_hello({p.ic.chain_id, p.c.public_key, {4}});
  (void)!write(fd, hello.data(), hello.size());
  uint8_t theirs[kHelloBytes];
  ASSERT_TRUE(read_all(fd, theirs, sizeof theirs));
  Hello hb;
  ASSERT_EQ(decode_hello(theirs, hb), Refusal::none);
  const auto proof = make_proof(p.ic, hb);
  (void)!write(fd, proof.data(), proof.size());
  uint8_t their_proof[kProofBytes];
  ASSERT_TRUE(read_all(fd, their_proof, sizeof their_proof));
  const auto ok = encode_length(2);
  const uint8_t body[] = {7, 7};
  (void)!write(fd, ok.data(), ok.size());
  (void)!write(fd, body, 2);
  const auto huge = encode_length((1 << 16) + 1);
  (void)!write(fd, huge.data(), huge.size());
  EXPECT_TRUE(closed_by_peer(fd));
  close(fd);
  EXPECT_TRUE(eventually([&] { return nets[1]->counters().oversized.load() == 1; }));
  EXPECT_TRUE(eventually([&] { return inbox[1].size() == 1; }));  // the one before arrived
  EXPECT_EQ(inbox[1].got[0].first, 2u);
  // The real validator a is still connected.
  EXPECT_TRUE(eventually([&] { return nets[1]->peers_connected() == 1; }));
}

}  // namespace
