// The service as separate `vigil serve` processes: failover when one of two
// servers is killed (SIGKILL) mid-run, the local fallback when both are
// gone, the allowlist reloaded by a real SIGHUP, and the server's resident
// memory under a flood (measured in /proc/PID/status, bounded by the
// coalescer's queue and the connection limits, not by what clients send).
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "host/client/client.hpp"
#include "tests/service/service_test_util.hpp"

namespace {

using namespace vigil;
using crypto::Rules;
using test::ChildServer;

struct Files {
  std::string key, allow;
  crypto::Keypair client = test::key_of(0x21);
  Files() {
    key = test::temp_file("server.key", test::key_line(test::key_of(0x20)) + "\n");
    allow = test::temp_file(
        "allow", "# test clients\n" + crypto::to_hex(client.public_key.data(), 32) + "\n");
  }
};

client::ClientOptions client_options(const Files& f, std::vector<std::string> servers) {
  client::ClientOptions co;
  co.servers = std::move(servers);
  co.key = f.client;
  co.deadline = std::chrono::milliseconds(1500);
  co.heartbeat = std::chrono::milliseconds(100);
  co.backoff_min = std::chrono::milliseconds(10);
  co.backoff_max = std::chrono::milliseconds(200);
  return co;
}

TEST(ServiceFailover, OneOfTwoKilledMidRunThenBothEveryRequestGetsTheRightVerdict) {
  Files f;
  ChildServer a(f.key, f.allow), b(f.key, f.allow);
  ASSERT_NE(a.port, 0) << "vigil serve did not start";
  ASSERT_NE(b.port, 0) << "vigil serve did not start";
  std::string why;
  auto c = client::Client::open(client_options(f, {a.address, b.address}), &why);
  ASSERT_TRUE(c) << why;
  const auto cases = test::CaseGenerator(99).make(4000);
  const auto items = test::as_items(cases);
  const auto want = test::in_process(items, Rules::zip215);
  std::atomic<int> phase{0};  // 0: both up, 1: a killed, 2: both killed
  std::map<int, std::map<client::Source, int>> seen;
  size_t wrong = 0;
  int requests = 0;
  for (size_t at = 0; at + 40 <= items.size(); at += 40, ++requests) {
    if (requests == 30) a.kill_now(), phase = 1;
    if (requests == 70) b.kill_now(), phase = 2;
    auto r = c->verify(std::span(items).subspan(at, 40), Rules::zip215);
    ASSERT_EQ(r.status, VIGIL_OK);
    ++seen[phase][r.source];
    for (size_t i = 0; i < 40; ++i)
      wrong += r.valid(uint32_t(i)) != bool((want.verdict[(at + i) / 32] >> ((at + i) % 32)) & 1) ||
               r.errors[i] != want.errors[at + i];
  }
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(seen[0][client::Source::remote], 30);
  EXPECT_GT(seen[1][client::Source::remote], 0);  // b took over
  EXPECT_EQ(seen[2][client::Source::remote], 0);
  EXPECT_EQ(seen[2][client::Source::local], 100 - 70);  // the local engine answered
  EXPECT_GT(c->stats().local_fallback, 0u);
}

// One VERIFY round trip on an authenticated raw connection; the status, and
// the verdicts in `verdict` when it is VIGIL_OK.
vigil_error verify_on(test::RawConn& c, uint64_t id, std::span<const crypto::VerifyItem> items,
                      std::vector<uint32_t>& verdict) {
  std::vector<uint8_t> req, body, errors;
  service::encode_verify_request(req, id, Rules::zip215, items, 0);
  c.send(req);
  vigil_svc_response_hdr h;
  if (c.ec || !c.recv(h, body)) return VIGIL_ERR_MALFORMED;
  if (h.request_id != id || h.status != VIGIL_OK) return vigil_error(h.status ? h.status : 1);
  return service::parse_verify_response(h, uint32_t(items.size()), body, verdict, errors);
}

TEST(ServiceReload, SighupAdmitsANewKeyClosesARemovedOneAndKeepsTheRestConnected) {
  Files f;
  const crypto::Keypair removed = test::key_of(0x22), added = test::key_of(0x23);
  auto hex = [](const crypto::Keypair& k) { return crypto::to_hex(k.public_key.data(), 32); };
  std::ofstream(f.allow) << hex(f.client) << "\n" << hex(removed) << "\n";
  ChildServer s(f.key, f.allow);
  ASSERT_NE(s.port, 0) << "vigil serve did not start";
  test::RawConn kept(s.port), gone(s.port), early(s.port);
  ASSERT_EQ(kept.authenticate(f.client), VIGIL_OK);
  ASSERT_EQ(gone.authenticate(removed), VIGIL_OK);
  EXPECT_NE(early.authenticate(added), VIGIL_OK) << "a key not yet allowed was admitted";

  std::ofstream(f.allow) << hex(f.client) << "\n" << hex(added) << " 1000 4\n";
  ASSERT_EQ(::kill(s.pid, SIGHUP), 0);
  bool admitted = false;  // the reload is asynchronous: poll with fresh connections
  for (int i = 0; i < 50 && !admitted; ++i) {
    test::RawConn c(s.port);
    admitted = c.authenticate(added) == VIGIL_OK;
    if (!admitted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(admitted) << "the key added by SIGHUP was refused";
  EXPECT_TRUE(gone.closed_by_server()) << "a removed key's connection stayed open";
  test::RawConn late(s.port);
  EXPECT_NE(late.authenticate(removed), VIGIL_OK) << "a removed key was admitted again";

  // The kept key's connection from before the reload still gets verdicts.
  const auto cases = test::CaseGenerator(5).make(64);
  const auto items = test::as_items(cases);
  std::vector<uint32_t> verdict;
  ASSERT_EQ(verify_on(kept, 7, items, verdict), VIGIL_OK) << "the kept connection was dropped";
  EXPECT_EQ(verdict, test::in_process(items, Rules::zip215).verdict);
  EXPECT_EQ(::kill(s.pid, 0), 0) << "vigil serve died on SIGHUP";
}

TEST(ServiceMemory, ServerRssStaysBoundedUnderAFloodOfLargeRequests) {
  Files f;
  ChildServer s(f.key, f.allow, {"--max-in-flight", "16"});
  ASSERT_NE(s.port, 0) << "vigil serve did not start";
  const auto cases = test::CaseGenerator(11).make(4096);
  const auto items = test::as_items(cases);
  std::vector<uint8_t> req;
  service::encode_verify_request(req, 1, Rules::zip215, items, 0);  // ~1 MB
  const long before = s.rss_kib().first;
  // Eight connections each write 64 MB of requests without reading a reply.
  std::vector<std::thread> flood;
  std::atomic<uint64_t> sent{0};
  for (int k = 0; k < 8; ++k) {
    flood.emplace_back([&] {
      test::RawConn c(s.port);
      if (c.authenticate(f.client) != VIGIL_OK) return;
      // The server stops reading a connection whose answers pile up, so
      // this write blocks (TCP backpressure); a send timeout ends it.
      timeval tv{3, 0};
      setsockopt(c.sock.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      for (int i = 0; i < 64 && !c.ec; ++i) {
        c.send(req);
        if (!c.ec) ++sent;
      }
    });
  }
  for (auto& t : flood) t.join();
  const auto [rss, hwm] = s.rss_kib();
  std::printf("server RSS: %ld KiB before, %ld KiB after, peak %ld KiB; %llu MB sent\n", before,
              rss, hwm, (unsigned long long)(sent.load() * req.size() >> 20));
  // The queue holds at most 64 MiB of requests; with buffers, connections
  // and engine batches the server stays far below what was sent at it.
  EXPECT_LT(hwm, before + 400 * 1024);
  EXPECT_GT(sent.load() * req.size(), uint64_t(100) << 20);
}

}  // namespace
